// Typed wrapper over shaders/minmax.wgsl: running per-row min/max of a [rows, cols] view in a state
// buffer of order-preserving u32 codes, plus the host-side encode/decode of those codes.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';

const SIGN = 0x80000000;
const u32 = new Uint32Array(1);
const f32 = new Float32Array(u32.buffer);

/** The order-preserving u32 code of a float32 (as the shader computes it). */
export function orderedCode(v: number): number {
  f32[0] = v;
  const b = u32[0];
  return (b & SIGN ? ~b : b | SIGN) >>> 0;
}

export function fromOrderedCode(c: number): number {
  u32[0] = c & SIGN ? c & 0x7fffffff : ~c >>> 0;
  return f32[0];
}

/** Element count per workgroup below which the columns are not split further. */
const SPLIT_COLS = 4096;
const TARGET_GROUPS = 2048;

/** How many workgroups share one row: enough to fill the GPU, each with thousands of elements. */
export function rowSplits(rows: number, cols: number, perGroup: number, target: number): number {
  return Math.max(1, Math.min(Math.ceil(cols / perGroup), Math.ceil(target / rows)));
}

/** A [rows, 2] min/max state buffer, cleared (min = +∞, max = −∞ until something is seen). */
export function minmaxState(gpu: Gpu, label: string, rows: number): GPUBuffer {
  const buf = gpu.buffer(`${label}.minmax`, rows * 8);
  clearMinmax(gpu, buf, rows);
  return buf;
}

export function clearMinmax(gpu: Gpu, state: GPUBuffer, rows: number): void {
  const init = new Uint32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    init[2 * r] = orderedCode(Infinity);
    init[2 * r + 1] = orderedCode(-Infinity);
  }
  gpu.write(state, init);
}

/** Merge the min/max of each row of x (viewed as [rows, numel/rows]) into state; the uniform buffer made goes to `owned`. */
export function minmax(gpu: Gpu, x: GpuTensor, rows: number, state: GPUBuffer, label = 'minmax', owned: GPUBuffer[] = []): Dispatch {
  const n = numel(x.shape);
  if (rows < 1 || n % rows !== 0) throw new Error(`minmax: ${n} elements do not split into ${rows} rows`);
  const cols = n / rows;
  const splits = rowSplits(rows, cols, SPLIT_COLS, TARGET_GROUPS);
  const span = Math.ceil(cols / splits);
  const u = gpu.uniform(label, [rows, cols, span, splits]);
  owned.push(u);
  return gpu.dispatch('minmax', [x.buffer, state, u], grid(rows * splits), {}, label);
}

/** Read a min/max state back: per row min and max (+∞/−∞ where a row saw no values). */
export async function readMinmax(gpu: Gpu, state: GPUBuffer, rows: number): Promise<{ min: Float32Array; max: Float32Array }> {
  const raw = await gpu.read(state, rows * 2);
  const codes = new Uint32Array(raw.buffer, raw.byteOffset, rows * 2);
  const min = new Float32Array(rows);
  const max = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    min[r] = fromOrderedCode(codes[2 * r]);
    max[r] = fromOrderedCode(codes[2 * r + 1]);
  }
  return { min, max };
}
