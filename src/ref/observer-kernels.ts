// Float64 references of the calibration kernels: per-row min/max (shaders/minmax.wgsl), per-row
// histogram (shaders/histogram.wgsl, with its f32 bin arithmetic spelled out), the power-of-two
// histogram of the MSE observer (shaders/pow2-histogram*.wgsl) and its lattice and tail sums
// (shaders/mse-lattice.wgsl, shaders/mse-tails.wgsl).
import { roundHalfEven } from './round';

/** Min and max of each row of x viewed as [rows, x.length/rows], NaNs skipped. */
export function minmaxRef(x: ArrayLike<number>, rows: number): { min: Float64Array; max: Float64Array } {
  const cols = x.length / rows;
  const min = new Float64Array(rows).fill(Infinity);
  const max = new Float64Array(rows).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const v = x[r * cols + j];
      if (v < min[r]) min[r] = v;
      if (v > max[r]) max[r] = v;
    }
  }
  return { min, max };
}

/**
 * The bin of v in a B-bin histogram over [lo, hi] as the shader computes it in float32:
 * clamp(⌊f32(f32(v − lo)·w)⌋, 0, B − 1), w = f32(B / (hi − lo)) (0 for an empty range).
 */
export function binOf(v: number, lo: number, w: number, bins: number): number {
  const t = Math.floor(Math.fround(Math.fround(v - lo) * w));
  return Math.min(Math.max(t, 0), bins - 1);
}

export function binWidthFactor(lo: number, hi: number, bins: number): number {
  const w = Math.fround(bins / (hi - lo));
  return hi > lo && Number.isFinite(w) ? w : 0;
}

/** Per-row histograms [rows, bins] of x (or |x| when abs) over per-row ranges [lo_r, hi_r]. */
export function histogramRef(
  x: ArrayLike<number>,
  rows: number,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  bins: number,
  abs: boolean,
): Uint32Array {
  const cols = x.length / rows;
  const h = new Uint32Array(rows * bins);
  for (let r = 0; r < rows; r++) {
    const l = Math.fround(lo[r]);
    const w = binWidthFactor(l, Math.fround(hi[r]), bins);
    for (let j = 0; j < cols; j++) {
      const v = abs ? Math.abs(x[r * cols + j]) : x[r * cols + j];
      if (!Number.isNaN(v)) h[r * bins + binOf(v, l, w, bins)]++;
    }
  }
  return h;
}

/** |x − (clamp(round(x/s) + z, qmin, qmax) − z)·s|^p in float64 (round half to even). */
export function lpError(v: number, s: number, z: number, qmin: number, qmax: number, p: number): number {
  const q = Math.min(Math.max(roundHalfEven(v / s) + z, qmin), qmax);
  return Math.abs(v - (q - z) * s) ** p;
}

/** Sorted weighted points of one row (ns absent: multiplicity 1). */
export interface RefPoints {
  xs: ArrayLike<number>;
  ns?: ArrayLike<number>;
}

/**
 * shaders/mse-lattice.wgsl: for each row and scale s = scales[row·steps + i], at each k ∈ [−L, L]
 * the sum of n·|x − round(x/s)·s|^p over the points with −L·s ≤ x ≤ k·s.
 */
export function mseLatticeRef(rows: RefPoints[], scales: ArrayLike<number>, steps: number, levels: number, p: number): Float64Array {
  const width = 2 * levels + 1;
  const out = new Float64Array(rows.length * steps * width);
  rows.forEach((r, row) => {
    for (let i = 0; i < steps; i++) {
      const s = scales[row * steps + i];
      for (let k = -levels; k <= levels; k++) {
        let acc = 0;
        for (let j = 0; j < r.xs.length; j++) {
          const x = r.xs[j];
          if (x >= -levels * s && x <= k * s) acc += (r.ns?.[j] ?? 1) * Math.abs(x - roundHalfEven(x / s) * s) ** p;
        }
        out[(row * steps + i) * width + k + levels] = acc;
      }
    }
  });
  return out;
}

/**
 * shaders/mse-tails.wgsl: at each query (t, side) of queries[row, q], F and F′ of
 * F(t) = Σ_{x<t} n·(t − x)^p (side 0) or Σ_{x>t} n·(x − t)^p (side 1); out [rows, q, 2].
 */
export function mseTailsRef(rows: RefPoints[], queries: ArrayLike<number>, q: number, p: number): Float64Array {
  const out = new Float64Array(rows.length * q * 2);
  rows.forEach((r, row) => {
    for (let k = 0; k < q; k++) {
      const t = queries[2 * (row * q + k)];
      const above = queries[2 * (row * q + k) + 1] > 0.5;
      let f = 0;
      let df = 0;
      for (let j = 0; j < r.xs.length; j++) {
        const d = above ? r.xs[j] - t : t - r.xs[j];
        if (d > 0) {
          f += (r.ns?.[j] ?? 1) * d ** p;
          df += (r.ns?.[j] ?? 1) * p * d ** (p - 1);
        }
      }
      out[2 * (row * q + k)] = f;
      out[2 * (row * q + k) + 1] = above ? -df : df;
    }
  });
  return out;
}

/**
 * shaders/pow2-histogram*.wgsl after all the data: per row and sign, the exponent e with
 * 2^(E+1) = 2^binsLog2·2^e for the side's largest magnitude v ∈ [2^E, 2^(E+1)), and the counts of
 * min(⌊|x|·2^−e⌋, B − 1) over the nonzero finite values of that sign. exps [rows, 2] (unset sides
 * −2^30), hist [rows, 2, B] (positive side first).
 */
export function pow2HistogramRef(x: ArrayLike<number>, rows: number, binsLog2: number): { exps: Int32Array; hist: Uint32Array } {
  const cols = x.length / rows;
  const bins = 2 ** binsLog2;
  const exps = new Int32Array(rows * 2).fill(-(2 ** 30));
  const hist = new Uint32Array(rows * 2 * bins);
  const { min, max } = minmaxRef(x, rows);
  for (let r = 0; r < rows; r++) {
    [max[r], -min[r]].forEach((v, side) => {
      if (v > 0 && Number.isFinite(v)) exps[2 * r + side] = Math.floor(Math.log2(v)) + 1 - binsLog2;
    });
    for (let j = 0; j < cols; j++) {
      const v = x[r * cols + j];
      if (!(v !== 0 && Number.isFinite(v))) continue;
      const side = v < 0 ? 1 : 0;
      const bin = Math.min(Math.floor(Math.abs(v) * 2 ** -exps[2 * r + side]), bins - 1);
      hist[(2 * r + side) * bins + bin]++;
    }
  }
  return { exps, hist };
}
