// Typed wrapper over shaders/histogram.wgsl: per-row histograms of B bins over per-row [lo, hi]
// ranges (held in a params buffer the host fills once the ranges are known), accumulated across calls.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';
import { rowSplits } from './minmax';

/** The shader's workgroup-memory bin count. */
export const MAX_BINS = 2048;

/**
 * (lo, w) per row, w = f32(B / (f32(hi) − f32(lo))): the bin of v is clamp(⌊f32(f32(v − lo)·w)⌋, 0, B − 1).
 * An empty or degenerate range (hi ≤ lo, or w not finite) puts every value in bin 0.
 */
export function histogramParams(lo: ArrayLike<number>, hi: ArrayLike<number>, bins: number): Float32Array {
  const p = new Float32Array(lo.length * 2);
  for (let r = 0; r < lo.length; r++) {
    const l = Math.fround(lo[r]);
    const h = Math.fround(hi[r]);
    const w = Math.fround(bins / (h - l));
    p[2 * r] = l;
    p[2 * r + 1] = h > l && Number.isFinite(w) ? w : 0;
  }
  return p;
}

export function histogramState(gpu: Gpu, label: string, rows: number, bins: number): GPUBuffer {
  const buf = gpu.buffer(`${label}.hist`, rows * bins * 4);
  gpu.write(buf, new Uint32Array(rows * bins));
  return buf;
}

/** Add the values of each row of x (viewed as [rows, numel/rows]), or their magnitudes when abs, to hist; the uniform buffer made goes to `owned`. */
export function histogram(
  gpu: Gpu,
  x: GpuTensor,
  rows: number,
  params: GPUBuffer,
  hist: GPUBuffer,
  bins: number,
  abs: boolean,
  label = 'histogram',
  owned: GPUBuffer[] = [],
): Dispatch {
  const n = numel(x.shape);
  if (rows < 1 || n % rows !== 0) throw new Error(`histogram: ${n} elements do not split into ${rows} rows`);
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) throw new Error(`histogram: bins must be 1..${MAX_BINS}, got ${bins}`);
  const cols = n / rows;
  const splits = rowSplits(rows, cols, 16384, 1024);
  const span = Math.ceil(cols / splits);
  const u = gpu.uniform(label, [rows, cols, span, splits, bins]);
  owned.push(u);
  return gpu.dispatch('histogram', [x.buffer, params, hist, u], grid(rows * splits), { ABS: abs ? 1 : 0 }, label);
}

export async function readHistogram(gpu: Gpu, hist: GPUBuffer, rows: number, bins: number): Promise<Uint32Array> {
  const raw = await gpu.read(hist, rows * bins);
  return new Uint32Array(raw.buffer, raw.byteOffset, rows * bins);
}
