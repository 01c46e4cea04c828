// Float64 references of the calibration kernels: per-row min/max (shaders/minmax.wgsl), per-row
// histogram (shaders/histogram.wgsl, with its f32 bin arithmetic spelled out) and the candidate
// Lp scores of shaders/mse-score.wgsl.
import { roundHalfEven } from '../quant/types';

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

/** [rows, k] sums of lpError over each row for the (scale, zero point) pairs cand[row, k]. */
export function mseScoreRef(
  x: ArrayLike<number>,
  rows: number,
  cand: ArrayLike<number>,
  k: number,
  qmin: number,
  qmax: number,
  p: number,
): Float64Array {
  const cols = x.length / rows;
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) {
      const s = cand[2 * (r * k + c)];
      const z = cand[2 * (r * k + c) + 1];
      let acc = 0;
      for (let j = 0; j < cols; j++) acc += lpError(x[r * cols + j], s, z, qmin, qmax, p);
      out[r * k + c] = acc;
    }
  }
  return out;
}
