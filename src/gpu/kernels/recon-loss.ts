// Typed wrapper over shaders/recon-loss.wgsl: the block reconstruction loss
// L = mean over (B, spatial) of Σ_C (ŷ − y)² and its gradient, with per-workgroup partial sums.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';
import { LANE_GROUP, laneSlots } from './partials';

/** How many partial-sum slots (floats) reconLoss needs for n = numel(ŷ) elements (one per invocation). */
export function reconLossPartials(n: number): number {
  return laneSlots(n);
}

/**
 * For ŷ, y of shape [B, C, ...spatial] (or [B, C]): dyhat = 2(ŷ − y) / (B·spatial) (written), and
 * partials[g] = Σ over invocation g's grid-stride run of (ŷ − y)² / (B·spatial) for g < reconLossPartials(numel(ŷ)), so
 * L = Σ partials (reduceSum). dyhat must be its own buffer (not ŷ's or y's).
 */
export function reconLoss(gpu: Gpu, yhat: GpuTensor, y: GpuTensor, dyhat: GpuTensor, partials: GPUBuffer, label = 'ReconLoss'): Dispatch {
  const n = numel(yhat.shape);
  if (yhat.shape.length < 2 || n === 0) throw new Error(`${label}: ŷ [${yhat.shape.join(', ')}] should be a non-empty [B, C, ...spatial]`);
  if (numel(y.shape) !== n || numel(dyhat.shape) !== n) {
    throw new Error(`${label}: ŷ [${yhat.shape.join(', ')}], y [${y.shape.join(', ')}] and dŷ [${dyhat.shape.join(', ')}] differ in size`);
  }
  if (dyhat.buffer === yhat.buffer || dyhat.buffer === y.buffer || partials === dyhat.buffer) throw new Error(`${label}: dŷ and partials need buffers of their own`);
  const lanes = reconLossPartials(n);
  const groups = lanes / LANE_GROUP;
  if (partials.size < lanes * 4) throw new Error(`${label}: partials hold ${partials.size / 4} floats, need ${lanes}`);
  const rows = n / yhat.shape[1]; // B·spatial
  const u = gpu.uniform(label, [n, groups], [1 / rows]);
  return gpu.dispatch('recon-loss', [yhat.buffer, y.buffer, dyhat.buffer, partials, u], [groups, 1, 1], {}, label);
}
