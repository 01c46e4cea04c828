// Typed wrappers over shaders/pool-grad.wgsl (backward of MaxPool / AveragePool, 1–3 spatial dims,
// a gather over dx: no atomics) and shaders/globalpool-grad.wgsl (backward of GlobalMax/AveragePool).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import type { PoolKind, PoolParams } from '../../ref/pool';
import { numel } from './layout';
import { poolUniformInts } from './pool';

const KINDS: Record<PoolKind, number> = { max: 0, avg: 1 };

/**
 * dx (shape of x) from dy (shape of the pool output) for pool(kind, x, y, p). x is the forward
 * input. Max: each window's dy goes to its first largest in-bounds tap (kernel order, the forward's
 * tie rule; windows entirely in padding give nothing); avg: dy / count, count as the forward's
 * (countIncludePad honoured). dx is written, not accumulated.
 */
export function poolGrad(gpu: Gpu, kind: PoolKind, x: GpuTensor, dy: GpuTensor, dx: GpuTensor, p: PoolParams): Dispatch {
  if (numel(dx.shape) !== numel(x.shape)) throw new Error(`poolGrad: dx [${dx.shape.join(', ')}] is not the size of x [${x.shape.join(', ')}]`);
  const n = numel(x.shape);
  const label = kind === 'max' ? 'MaxPoolGrad' : 'AveragePoolGrad';
  const ints = poolUniformInts('poolGrad', x, dy, p, n);
  const u = gpu.uniform(label, ints);
  return gpu.dispatch('pool-grad', [x.buffer, dy.buffer, dx.buffer, u], grid(Math.ceil(n / 64)), { KIND: KINDS[kind] }, label);
}

/**
 * dx for globalPool(kind, x, y): avg broadcasts dy / spatial; max gives dy to the first (lowest
 * index) largest element of each (n, c) row and 0 elsewhere. One workgroup per row.
 */
export function globalPoolGrad(gpu: Gpu, kind: PoolKind, x: GpuTensor, dy: GpuTensor, dx: GpuTensor): Dispatch {
  const rows = x.shape[0] * x.shape[1];
  if (numel(dy.shape) !== rows) throw new Error(`globalPoolGrad: dy [${dy.shape.join(', ')}] should hold N·C = ${rows} values`);
  if (numel(dx.shape) !== numel(x.shape)) throw new Error(`globalPoolGrad: dx [${dx.shape.join(', ')}] is not the size of x [${x.shape.join(', ')}]`);
  const label = kind === 'max' ? 'GlobalMaxPoolGrad' : 'GlobalAveragePoolGrad';
  const u = gpu.uniform(label, [rows, numel(x.shape.slice(2))]);
  return gpu.dispatch('globalpool-grad', [x.buffer, dy.buffer, dx.buffer, u], grid(rows), { KIND: KINDS[kind] }, label);
}
