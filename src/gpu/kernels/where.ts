// Typed wrapper over shaders/where.wgsl: out = cond ? x : y with numpy broadcasting of all three.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { broadcastStrides } from '../../ref/binary';
import { whereShape } from '../../ref/where';
import { collapseDims, numel, padTo } from './layout';

/** out = cond ? x : y; cond holds 0/1 (nonzero is true); out.shape must be the broadcast of the three. */
export function where(gpu: Gpu, cond: GpuTensor, x: GpuTensor, y: GpuTensor, out: GpuTensor, label = 'Where'): Dispatch {
  const shape = whereShape(cond.shape, x.shape, y.shape);
  if (shape.length !== out.shape.length || shape.some((d, k) => d !== out.shape[k])) {
    throw new Error(`${label}: output shape [${out.shape.join(', ')}] is not the broadcast [${shape.join(', ')}]`);
  }
  const c = collapseDims(shape, [cond, x, y].map((t) => broadcastStrides(t.shape, shape)));
  const n = numel(shape);
  const u = gpu.uniform(label, [n, c.shape.length, 0, 0, ...padTo(c.shape, 8, 1), ...c.strides.flatMap((s) => padTo(s))]);
  return gpu.dispatch('where', [cond.buffer, x.buffer, y.buffer, out.buffer, u], elementGrid(gpu, n, 64), {}, label);
}
