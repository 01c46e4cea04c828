// Typed wrapper over shaders/axpy.wgsl: y += alpha · x.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';

/** y += alpha · x (x and y the same size, different buffers). */
export function axpy(gpu: Gpu, x: GpuTensor, y: GpuTensor, alpha = 1, label = 'axpy'): Dispatch {
  const n = numel(x.shape);
  if (numel(y.shape) !== n) throw new Error(`${label}: x [${x.shape.join(', ')}] and y [${y.shape.join(', ')}] differ in size`);
  if (x.buffer === y.buffer) throw new Error(`${label}: x and y share a buffer`);
  const u = gpu.uniform(label, [n], [alpha]);
  return gpu.dispatch('axpy', [x.buffer, y.buffer, u], grid(Math.ceil(n / 64)), {}, label);
}
