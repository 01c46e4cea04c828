// Typed wrapper over shaders/recon-loss.wgsl: the block reconstruction loss
// L = mean over (B, spatial) of Σ_C (ŷ − y)² and its gradient, with per-workgroup partial sums.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';

/** Elements per workgroup (256 threads × 4). */
export const RECON_LOSS_CHUNK = 1024;

/** How many partial-sum slots (floats) reconLoss needs for n = numel(ŷ) elements: ⌈n / 1024⌉. */
export function reconLossPartials(n: number): number {
  return Math.ceil(n / RECON_LOSS_CHUNK);
}

/**
 * For ŷ, y of shape [B, C, ...spatial] (or [B, C]): dyhat = 2(ŷ − y) / (B·spatial) (written), and
 * partials[g] = Σ over chunk g of (ŷ − y)² / (B·spatial) for g < reconLossPartials(numel(ŷ)), so
 * L = Σ partials (reduceSum). dyhat must be its own buffer (not ŷ's or y's).
 */
export function reconLoss(gpu: Gpu, yhat: GpuTensor, y: GpuTensor, dyhat: GpuTensor, partials: GPUBuffer, label = 'ReconLoss'): Dispatch {
  const n = numel(yhat.shape);
  if (yhat.shape.length < 2 || n === 0) throw new Error(`${label}: ŷ [${yhat.shape.join(', ')}] should be a non-empty [B, C, ...spatial]`);
  if (numel(y.shape) !== n || numel(dyhat.shape) !== n) {
    throw new Error(`${label}: ŷ [${yhat.shape.join(', ')}], y [${y.shape.join(', ')}] and dŷ [${dyhat.shape.join(', ')}] differ in size`);
  }
  if (dyhat.buffer === yhat.buffer || dyhat.buffer === y.buffer || partials === dyhat.buffer) throw new Error(`${label}: dŷ and partials need buffers of their own`);
  const groups = reconLossPartials(n);
  if (partials.size < groups * 4) throw new Error(`${label}: partials hold ${partials.size / 4} floats, need ${groups}`);
  const rows = n / yhat.shape[1]; // B·spatial
  const u = gpu.uniform(label, [n, groups], [1 / rows]);
  return gpu.dispatch('recon-loss', [yhat.buffer, y.buffer, dyhat.buffer, partials, u], grid(groups), {}, label);
}
