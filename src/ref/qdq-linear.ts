// Float64 references of ONNX QuantizeLinear and DequantizeLinear (shaders/qdq-linear.wgsl), computed
// as float32 does: x / s rounded to float32, then half to even; (x − zp)·s rounded to float32.
// They are also the engine's constant folding of these ops (DequantizeLinear of integer weights).
import { roundHalfEven } from './round';

/** Where each element finds its scale and zero point: per tensor, per axis, or in blocks along the axis. */
export type QdqLayout =
  | { mode: 'tensor' }
  | { mode: 'axis'; d: number; inner: number }
  | { mode: 'blocked'; d: number; inner: number; block: number };

/** The layout of parameters of shape `p` for x of shape `x` (ONNX rules: scalar or [1], [D], or x's rank). */
export function qdqLayout(x: readonly number[], p: readonly number[], axis: number, block: number): QdqLayout {
  const np = p.reduce((a, b) => a * b, 1);
  const inner = x.slice(axis + 1).reduce((a, b) => a * b, 1);
  if (block > 0) {
    const ok = p.length === x.length && p.every((d, k) => (k === axis ? d === Math.ceil(x[k] / block) : d === x[k]));
    if (!ok) throw new Error(`blocked parameters of shape [${p.join(', ')}] do not fit x [${x.join(', ')}] with axis ${axis} and block_size ${block}`);
    return { mode: 'blocked', d: x[axis], inner, block };
  }
  if (p.length === 0 || (p.length === 1 && np === 1)) return { mode: 'tensor' };
  if (p.length !== 1 || p[0] !== x[axis]) throw new Error(`parameters of shape [${p.join(', ')}] are neither per tensor nor per axis ${axis} of x [${x.join(', ')}] (${x[axis]} values)`);
  return { mode: 'axis', d: x[axis], inner };
}

/** Index of element i's scale and zero point. */
export function paramIndex(l: QdqLayout, i: number): number {
  if (l.mode === 'tensor') return 0;
  const a = Math.floor(i / l.inner) % l.d;
  if (l.mode === 'axis') return a;
  const outer = Math.floor(i / (l.inner * l.d));
  return (outer * Math.ceil(l.d / l.block) + Math.floor(a / l.block)) * l.inner + (i % l.inner);
}

/** y = clamp(round_half_even(fl32(x / s)) + zp, qmin, qmax); zp absent = 0. */
export function quantizeLinearRef(x: ArrayLike<number>, scale: ArrayLike<number>, zp: ArrayLike<number> | undefined, l: QdqLayout, qmin: number, qmax: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = paramIndex(l, i);
    const q = roundHalfEven(Math.fround(x[i] / Math.fround(scale[p]))) + (zp ? zp[p] : 0);
    y[i] = Number.isNaN(q) ? q : Math.min(Math.max(q, qmin), qmax);
  }
  return y;
}

/** y = fl32(fl32(x − zp)·s); zp absent = 0. */
export function dequantizeLinearRef(x: ArrayLike<number>, scale: ArrayLike<number>, zp: ArrayLike<number> | undefined, l: QdqLayout): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = paramIndex(l, i);
    y[i] = Math.fround(Math.fround(x[i] - (zp ? zp[p] : 0)) * Math.fround(scale[p]));
  }
  return y;
}
