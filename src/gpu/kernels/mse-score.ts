// Typed wrapper over shaders/mse-score.wgsl: Σ|x − Q(x)|^p of K candidate (scale, zero point)
// pairs per row in one dispatch, partial sums per column split, accumulated across calls.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';

/** The norm of MQBench/QDrop's MSE observer score. */
export const LP_NORM = 2.4;

const MAX_STATE = 1 << 22;

/**
 * How many column splits each (row, candidate chunk) gets for rows of up to `cols` elements:
 * enough workgroups to fill a GPU, at least 1024 elements each, the state under 16 MiB.
 */
export function mseSplits(rows: number, k: number, cols: number): number {
  const chunks = Math.ceil(k / 64);
  const byWork = Math.ceil(1024 / (rows * chunks));
  const bySize = Math.ceil(cols / 1024);
  const byMemory = Math.floor(MAX_STATE / (rows * k));
  return Math.max(1, Math.min(byWork, bySize, byMemory));
}

/** A zeroed [splits, rows, k] score state. */
export function mseState(gpu: Gpu, label: string, splits: number, rows: number, k: number): GPUBuffer {
  const buf = gpu.buffer(`${label}.mse`, splits * rows * k * 4);
  gpu.write(buf, new Float32Array(splits * rows * k));
  return buf;
}

export interface MseScoreArgs {
  rows: number;
  /** Candidates per row; cand holds [rows, k] (scale, zero point) float pairs. */
  k: number;
  cand: GPUBuffer;
  splits: number;
  state: GPUBuffer;
  qmin: number;
  qmax: number;
  p?: number;
}

/** Add each candidate's Σ|x − Q(x)|^p over its row of x (viewed as [rows, numel/rows]) to state. */
export function mseScore(gpu: Gpu, x: GpuTensor, a: MseScoreArgs, label = 'mse-score'): Dispatch {
  const n = numel(x.shape);
  if (a.rows < 1 || n % a.rows !== 0) throw new Error(`mse-score: ${n} elements do not split into ${a.rows} rows`);
  const cols = n / a.rows;
  const chunks = Math.ceil(a.k / 64);
  const span = Math.ceil(cols / a.splits);
  const u = gpu.uniform(label, [a.rows, cols, a.k, chunks, span, a.splits], [a.qmin, a.qmax]);
  const groups = a.splits * a.rows * chunks;
  return gpu.dispatch('mse-score', [x.buffer, a.cand, a.state, u], grid(groups), { P: a.p ?? LP_NORM }, label);
}

/** Read a score state and add its splits (in float64): [rows, k] sums. */
export async function readMseScores(gpu: Gpu, state: GPUBuffer, splits: number, rows: number, k: number): Promise<Float64Array> {
  const raw = await gpu.read(state, splits * rows * k);
  const m = rows * k;
  const out = new Float64Array(m);
  for (let s = 0; s < splits; s++) for (let i = 0; i < m; i++) out[i] += raw[s * m + i];
  return out;
}
