// Float64 reference of LSQ fake-quant with QDrop dropping (src/gpu/kernels/lsq-quant.ts): x/s is
// rounded to float32 first and the product (q − z)·s rounded to float32, as the GPU computes them;
// the drop mask comes from the CPU twin of the GPU's counter RNG (bit-exact).
import { roundHalfEven } from './round';
import { rand01 } from './rng';

export interface LsqRefOptions {
  s: number;
  z: number;
  qmin: number;
  qmax: number;
  /** Quantize probability (default 1). */
  p?: number;
  stream?: number;
  /** Step uniform values the mask draws from. */
  seed?: number;
  iter?: number;
}

/** mask[i] = 1 where element i is quantized: rand01(seed, stream, iter, i) < p. */
export function lsqMaskRef(n: number, o: LsqRefOptions): Uint8Array {
  const p = o.p ?? 1;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = p >= 1 ? 1 : p <= 0 ? 0 : rand01(o.seed ?? 0, o.stream ?? 0, o.iter ?? 0, i) < p ? 1 : 0;
  return m;
}

export function lsqForwardRef(x: ArrayLike<number>, o: LsqRefOptions): Float64Array {
  const mask = lsqMaskRef(x.length, o);
  const s = Math.fround(o.s);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (!mask[i]) {
      y[i] = x[i];
      continue;
    }
    const q = Math.min(Math.max(roundHalfEven(Math.fround(x[i] / s)) + o.z, o.qmin), o.qmax);
    y[i] = Math.fround((q - o.z) * s);
  }
  return y;
}

export interface LsqGradRef {
  dx: Float64Array;
  /** gradScale · Σ mask·dy·∂x̂/∂s. */
  ds: number;
  /** gradScale · Σ |mask·dy·∂x̂/∂s| (a scale for accumulation-error tolerances). */
  dsAbs: number;
}

/** Straight-through backward: the rules of ../shared/DESIGN.md §4 on quantized elements, identity on dropped ones. */
export function lsqBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>, o: LsqRefOptions, gradScale: number): LsqGradRef {
  const mask = lsqMaskRef(x.length, o);
  const s = Math.fround(o.s);
  const dx = new Float64Array(x.length);
  let ds = 0;
  let dsAbs = 0;
  for (let i = 0; i < x.length; i++) {
    if (!mask[i]) {
      dx[i] = dy[i];
      continue;
    }
    const q = Math.fround(x[i] / s);
    const r = roundHalfEven(q);
    let term: number;
    if (r + o.z < o.qmin) term = o.qmin - o.z;
    else if (r + o.z > o.qmax) term = o.qmax - o.z;
    else {
      term = r - q;
      dx[i] = dy[i];
    }
    ds += dy[i] * term;
    dsAbs += Math.abs(dy[i] * term);
  }
  return { dx, ds: gradScale * ds, dsAbs: gradScale * dsAbs };
}

/**
 * The straight-through surrogate the backward differentiates: at (x, s) near the anchor (x0, s0),
 * round(x/s) is x/s + (round(x0/s0) − x0/s0) (the rounding offset held fixed) and each element
 * keeps the clamp region and drop decision it has at the anchor. Equal to lsqForwardRef at the
 * anchor (up to float32 rounding); its exact derivatives are the LSQ gradients.
 */
export function lsqSurrogateRef(x: ArrayLike<number>, s: number, x0: ArrayLike<number>, o: LsqRefOptions): Float64Array {
  const mask = lsqMaskRef(x.length, o);
  const s0 = Math.fround(o.s);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (!mask[i]) {
      y[i] = x[i];
      continue;
    }
    const q0 = Math.fround(x0[i] / s0);
    const r0 = roundHalfEven(q0);
    if (r0 + o.z < o.qmin) y[i] = (o.qmin - o.z) * s;
    else if (r0 + o.z > o.qmax) y[i] = (o.qmax - o.z) * s;
    else y[i] = (x[i] / s + (r0 - q0)) * s;
  }
  return y;
}
