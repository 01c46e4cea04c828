// Typed wrapper over shaders/pow2-histogram.wgsl and pow2-histogram-rescale.wgsl: one-pass per-row
// histograms of |x| per sign, in 2^binsLog2 bins whose power-of-two width grows with the largest
// magnitude seen (merging bins exactly), so no range has to be known before the data streams by.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';
import { rowSplits } from './minmax';

/** Bins per sign (2^16): the width is at most 2^−15 of the largest magnitude. */
export const POW2_BINS_LOG2 = 16;
/** The exponent of a side that has seen no value yet. */
export const UNSET_EXP = -(2 ** 30);

export interface Pow2HistogramState {
  rows: number;
  binsLog2: number;
  /** i32 [rows, 2]: bin width 2^e of the positive and the negative side. */
  exps: GPUBuffer;
  /** u32 [rows, 2, 2^binsLog2] counts. */
  hist: GPUBuffer;
}

export function pow2HistogramState(gpu: Gpu, label: string, rows: number, binsLog2 = POW2_BINS_LOG2): Pow2HistogramState {
  const exps = gpu.buffer(`${label}.pow2-exps`, rows * 8);
  gpu.write(exps, new Int32Array(rows * 2).fill(UNSET_EXP));
  const hist = gpu.buffer(`${label}.pow2-hist`, rows * 8 * 2 ** binsLog2);
  gpu.write(hist, new Uint32Array(rows * 2 * 2 ** binsLog2));
  return { rows, binsLog2, exps, hist };
}

/**
 * The dispatches adding x (viewed as [rows, numel/rows]) to the histograms, to run after the
 * minmax dispatch that merged the same x into `minmax` (shaders/minmax.wgsl's state). The uniform
 * buffers made go to `owned`.
 */
export function pow2Histogram(gpu: Gpu, x: GpuTensor, minmax: GPUBuffer, st: Pow2HistogramState, label = 'pow2-histogram', owned: GPUBuffer[] = []): Dispatch[] {
  const n = numel(x.shape);
  const { rows } = st;
  if (rows < 1 || n % rows !== 0) throw new Error(`pow2-histogram: ${n} elements do not split into ${rows} rows`);
  const cols = n / rows;
  const splits = rowSplits(rows, cols, 16384, 1024);
  const c = { BINS_LOG2: st.binsLog2 };
  const ur = gpu.uniform(`${label}.rescale`, [rows]);
  const u = gpu.uniform(label, [rows, cols, Math.ceil(cols / splits), splits]);
  owned.push(ur, u);
  const rescale = gpu.dispatch('pow2-histogram-rescale', [minmax, st.exps, st.hist, ur], grid(2 * rows), c, `${label}.rescale`);
  return [rescale, gpu.dispatch('pow2-histogram', [x.buffer, st.exps, st.hist, u], grid(rows * splits), c, label)];
}

/** Weighted points of one row: the bin centres (sorted ascending, nonzero) and their counts. */
export interface BinPoints {
  xs: Float32Array;
  ns: Float32Array;
}

/** Read the histograms back as points per row: centre ±(j + ½)·2^e of every non-empty bin j, with its count. */
export async function readPow2Points(gpu: Gpu, st: Pow2HistogramState): Promise<BinPoints[]> {
  const bins = 1 << st.binsLog2;
  const e = await gpu.read(st.exps, st.rows * 2);
  const exps = new Int32Array(e.buffer, e.byteOffset, st.rows * 2);
  const h = await gpu.read(st.hist, st.rows * 2 * bins);
  const hist = new Uint32Array(h.buffer, h.byteOffset, st.rows * 2 * bins);
  return Array.from({ length: st.rows }, (_, r) => pow2Points(hist.subarray(2 * r * bins, (2 * r + 2) * bins), exps[2 * r], exps[2 * r + 1], bins));
}

/** One row's points from its [2, bins] counts (positive side first) and the two exponents. */
export function pow2Points(hist: Uint32Array, ePos: number, eNeg: number, bins: number): BinPoints {
  let count = 0;
  for (let i = 0; i < 2 * bins; i++) if (hist[i] !== 0) count++;
  const xs = new Float32Array(count);
  const ns = new Float32Array(count);
  let k = 0;
  for (let j = bins - 1; j >= 0; j--) {
    const c = hist[bins + j];
    if (c !== 0) [xs[k], ns[k++]] = [-(j + 0.5) * 2 ** eNeg, c];
  }
  for (let j = 0; j < bins; j++) {
    const c = hist[j];
    if (c !== 0) [xs[k], ns[k++]] = [(j + 0.5) * 2 ** ePos, c];
  }
  return { xs, ns };
}
