// APoT (DESIGN.md §8): typed wrappers over shaders/apot-project.wgsl (weights → integer level codes,
// one scale per channel) and shaders/apot-mse.wgsl (the MSE score of every candidate scale per row).
// Level sets come in as integer codes, ascending from 0 (src/ref/apot.ts builds them).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { LP_NORM } from './mse-lattice';
import { channelLayout } from './adaround';
import { numel } from './layout';

/** A level set on the GPU: its codes and the midpoints between neighbours, as f32. */
export interface ApotLevelBuffers {
  levels: GPUBuffer;
  mids: GPUBuffer;
  /** Number of levels (≥ 2). */
  count: number;
}

export function apotLevelBuffers(gpu: Gpu, levels: ArrayLike<number>, label = 'apot'): ApotLevelBuffers {
  const n = levels.length;
  for (let j = 0; j < n; j++) {
    if (!Number.isInteger(levels[j]) || (j === 0 ? levels[j] !== 0 : levels[j] <= levels[j - 1])) {
      throw new Error(`${label}: level codes must be integers ascending from 0, got [${Array.from(levels).join(', ')}]`);
    }
  }
  if (n < 2) throw new Error(`${label}: a level set needs at least 2 levels`);
  const mids = Float32Array.from({ length: n - 1 }, (_, j) => (levels[j] + levels[j + 1]) / 2);
  return {
    levels: gpu.tensor(`${label}.levels`, [n], Float32Array.from(levels)).buffer,
    mids: gpu.tensor(`${label}.mids`, [n - 1], mids).buffer,
    count: n,
  };
}

export function destroyLevelBuffers(lv: ApotLevelBuffers): void {
  lv.levels.destroy();
  lv.mids.destroy();
}

/**
 * codes[i] (i32) = ±levels[j], the nearest level to |w[i]|/s_c (ties to the smaller, clamped to the
 * largest), sign of w[i]; s_c = scales[c] (f32 per channel of `axis`; −1: one scale).
 */
export function apotProject(gpu: Gpu, w: GpuTensor, scales: GPUBuffer, lv: ApotLevelBuffers, codes: GPUBuffer, axis: number, label = 'apot-project', owned: GPUBuffer[] = []): Dispatch {
  const { n, inner, channels } = channelLayout(w.shape, axis);
  if (scales.size < channels * 4) throw new Error(`${label}: ${scales.size / 4} scales for ${channels} channels of [${w.shape}]`);
  if (codes.size < n * 4) throw new Error(`${label}: codes hold ${codes.size / 4} words, w has ${n}`);
  const u = gpu.uniform(label, [n, inner, channels, lv.count - 1]);
  owned.push(u);
  return gpu.dispatch('apot-project', [w.buffer, scales, lv.levels, lv.mids, codes, u], elementGrid(gpu, n, 64), {}, label);
}

/**
 * out[r, k] (f32 [rows, steps]) = Σ_j |w[r, j] − code·s|^2.4 with s = scales[r, k] (f32 [rows, steps]),
 * for w viewed as [rows, cols] (its first dimension the rows).
 */
export function apotMse(gpu: Gpu, w: GpuTensor, scales: GPUBuffer, steps: number, lv: ApotLevelBuffers, out: GPUBuffer, label = 'apot-mse', owned: GPUBuffer[] = []): Dispatch {
  const rows = w.shape[0];
  const cols = numel(w.shape) / Math.max(1, rows);
  if (scales.size < rows * steps * 4) throw new Error(`${label}: ${scales.size / 4} scales for ${rows} rows × ${steps} candidates`);
  if (out.size < rows * steps * 4) throw new Error(`${label}: out holds ${out.size / 4} words, needs ${rows * steps}`);
  const u = gpu.uniform(label, [rows, cols, steps, lv.count - 1]);
  owned.push(u);
  return gpu.dispatch('apot-mse', [w.buffer, scales, lv.levels, lv.mids, out, u], grid(Math.ceil((rows * steps) / 64)), { P: LP_NORM }, label);
}

/** The i32 codes an apotProject wrote, read back. */
export async function readCodes(gpu: Gpu, codes: GPUBuffer, n: number): Promise<Int32Array> {
  const f = await gpu.read(codes, n);
  return new Int32Array(f.buffer, f.byteOffset, n).slice();
}
