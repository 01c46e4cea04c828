// Typed wrappers over the normalization kernels: LayerNormalization and InstanceNormalization
// (shaders/normalize.wgsl), the per-channel affine map of inference BatchNormalization
// (shaders/channel-affine.wgsl) and LRN (shaders/lrn.wgsl).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { numel } from './layout';
import type { LrnParams } from '../../ref/normalize';

/** Where each row writes its mean and 1/√(var + ε) (one value per row each). */
export interface RowStats {
  mean: GpuTensor;
  invStd: GpuTensor;
}

function need(t: GpuTensor, n: number, what: string, label: string): void {
  if (numel(t.shape) < n) throw new Error(`${label}: ${what} holds ${numel(t.shape)} values, ${n} needed`);
}

function normalize(
  gpu: Gpu,
  x: GpuTensor,
  scale: GpuTensor,
  bias: GpuTensor | null,
  y: GpuTensor,
  stats: RowStats,
  v: { rows: number; n: number; chans: number; sRow: number; sCol: number },
  eps: number,
  label: string,
): Dispatch {
  need(x, v.rows * v.n, 'x', label);
  need(y, v.rows * v.n, 'y', label);
  need(stats.mean, v.rows, 'mean', label);
  need(stats.invStd, v.rows, 'invStd', label);
  const u = gpu.uniform(label, [v.rows, v.n, v.chans, v.sRow, v.sCol], [eps]);
  const buffers = [x.buffer, scale.buffer, (bias ?? scale).buffer, y.buffer, stats.mean.buffer, stats.invStd.buffer, u];
  return gpu.dispatch('normalize', buffers, elementGrid(gpu, v.rows, 64), { HAS_BIAS: bias ? 1 : 0 }, label);
}

/**
 * LayerNormalization of x viewed as [rows, n]: scale and bias hold n values (or one, broadcast);
 * bias may be absent. Writes y and each row's mean and inverse standard deviation.
 */
export function layerNorm(gpu: Gpu, x: GpuTensor, scale: GpuTensor, bias: GpuTensor | null, y: GpuTensor, stats: RowStats, rows: number, n: number, eps: number, label = 'LayerNormalization'): Dispatch {
  const sCol = numel(scale.shape) === 1 ? 0 : 1;
  need(scale, sCol ? n : 1, 'scale', label);
  if (bias && numel(bias.shape) !== numel(scale.shape)) throw new Error(`${label}: bias and scale must have the same size`);
  return normalize(gpu, x, scale, bias, y, stats, { rows, n, chans: 1, sRow: 0, sCol }, eps, label);
}

/** InstanceNormalization of [N, C, ...spatial] with scale[C], bias[C]; stats get one value per (n, c). */
export function instanceNorm(gpu: Gpu, x: GpuTensor, scale: GpuTensor, bias: GpuTensor, y: GpuTensor, stats: RowStats, eps: number, label = 'InstanceNormalization'): Dispatch {
  const [N, C] = x.shape;
  need(scale, C, 'scale', label);
  need(bias, C, 'bias', label);
  const n = numel(x.shape.slice(2));
  return normalize(gpu, x, scale, bias, y, stats, { rows: N * C, n, chans: C, sRow: 1, sCol: 0 }, eps, label);
}

/** y = x·a[c] + b[c] over [N, C, ...] (inference BatchNormalization with a, b from batchNormAffine). */
export function channelAffine(gpu: Gpu, x: GpuTensor, a: GpuTensor, b: GpuTensor, y: GpuTensor, label = 'BatchNormalization'): Dispatch {
  const C = x.shape.length > 1 ? x.shape[1] : 1;
  const n = numel(x.shape);
  need(a, C, 'a', label);
  need(b, C, 'b', label);
  need(y, n, 'y', label);
  const u = gpu.uniform(label, [n, C, numel(x.shape.slice(2))]);
  return gpu.dispatch('channel-affine', [x.buffer, a.buffer, b.buffer, y.buffer, u], elementGrid(gpu, n, 64), {}, label);
}

/** LRN across the channels of [N, C, ...]. */
export function lrn(gpu: Gpu, x: GpuTensor, y: GpuTensor, p: LrnParams, label = 'LRN'): Dispatch {
  if (x.shape.length < 2) throw new Error(`${label}: input must be [N, C, ...]`);
  if (!(p.size >= 1)) throw new Error(`${label}: size must be at least 1`);
  const n = numel(x.shape);
  need(y, n, 'y', label);
  const lo = Math.floor((p.size - 1) / 2);
  const hi = Math.ceil((p.size - 1) / 2);
  const u = gpu.uniform(label, [n, x.shape[1], numel(x.shape.slice(2)), lo, hi], [p.alpha / p.size, p.beta, p.bias]);
  return gpu.dispatch('lrn', [x.buffer, y.buffer, u], elementGrid(gpu, n, 64), {}, label);
}
