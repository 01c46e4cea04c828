// Typed wrappers over shaders/pool.wgsl (MaxPool / AveragePool, 1–3 spatial dims) and
// shaders/globalpool.wgsl (GlobalMaxPool / GlobalAveragePool). Output shapes come from the caller
// (poolOutputShape and resolveAutoPad in src/ref/pool.ts handle ceil_mode and auto_pad).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import type { PoolKind, PoolParams } from '../../ref/pool';
import { numel } from './layout';

const KINDS: Record<PoolKind, number> = { max: 0, avg: 1 };

/** Spatial values as [D, H, W], leading unused dimensions filled with `fill`. */
function dhw(values: readonly number[], fill: number): number[] {
  return [...new Array<number>(3 - values.length).fill(fill), ...values, 0];
}

/**
 * Uniform words shared by pool.wgsl and pool-grad.wgsl: [n, countIncludePad, 0, 0], then input and
 * output spatial sizes, kernel, strides, dilations, begin and end pads as [D, H, W, 0] each.
 * Checks that x (input) and y (pool output) have 1–3 spatial dims matching the window.
 */
export function poolUniformInts(what: string, x: GpuTensor, y: GpuTensor, p: PoolParams, n: number): number[] {
  const r = x.shape.length - 2;
  if (r < 1 || r > 3 || y.shape.length !== r + 2 || p.kernel.length !== r || p.pads.length !== 2 * r) {
    throw new Error(`${what}: input [${x.shape.join(', ')}] and kernel [${p.kernel.join(', ')}] need 1–3 spatial dims`);
  }
  if (y.shape[0] !== x.shape[0] || y.shape[1] !== x.shape[1]) throw new Error(`${what}: N and C of input and output differ`);
  return [
    n, p.countIncludePad ? 1 : 0, 0, 0,
    ...dhw(x.shape.slice(2), 1),
    ...dhw(y.shape.slice(2), 1),
    ...dhw(p.kernel, 1),
    ...dhw(p.strides, 1),
    ...dhw(p.dilations, 1),
    ...dhw(p.pads.slice(0, r), 0),
    ...dhw(p.pads.slice(r), 0),
  ];
}

export function pool(gpu: Gpu, kind: PoolKind, x: GpuTensor, y: GpuTensor, p: PoolParams): Dispatch {
  const n = numel(y.shape);
  const label = kind === 'max' ? 'MaxPool' : 'AveragePool';
  const ints = poolUniformInts('pool', x, y, p, n);
  const u = gpu.uniform(label, ints);
  return gpu.dispatch('pool', [x.buffer, y.buffer, u], grid(Math.ceil(n / 64)), { KIND: KINDS[kind] }, label);
}

/** Reduce every spatial position of each (n, c): one workgroup per (n, c). y is [N, C, 1, ...]. */
export function globalPool(gpu: Gpu, kind: PoolKind, x: GpuTensor, y: GpuTensor): Dispatch {
  const rows = x.shape[0] * x.shape[1];
  if (numel(y.shape) !== rows) throw new Error(`globalPool: output [${y.shape.join(', ')}] should hold N·C = ${rows} values`);
  const label = kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool';
  const u = gpu.uniform(label, [rows, numel(x.shape.slice(2))]);
  return gpu.dispatch('globalpool', [x.buffer, y.buffer, u], grid(rows), { KIND: KINDS[kind] }, label);
}
