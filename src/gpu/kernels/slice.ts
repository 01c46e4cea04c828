// Typed wrapper over shaders/slice.wgsl: a strided gather with per-axis starts and steps already
// resolved (see resolveSlice in src/ref/slice.ts); y.shape is the output shape.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { collapseDims, numel, padTo, stridesOf } from './layout';

export function slice(gpu: Gpu, x: GpuTensor, y: GpuTensor, starts: number[], steps: number[]): Dispatch {
  const rank = x.shape.length;
  if (starts.length !== rank || steps.length !== rank || y.shape.length !== rank) {
    throw new Error(`Slice: starts, steps and output shape need one entry per input axis (rank ${rank})`);
  }
  const n = numel(y.shape);
  y.shape.forEach((len, k) => {
    const last = starts[k] + (len - 1) * steps[k];
    if (len > 0 && (starts[k] < 0 || starts[k] >= x.shape[k] || last < 0 || last >= x.shape[k])) {
      throw new Error(`Slice: axis ${k} reads ${starts[k]}..${last} outside 0..${x.shape[k] - 1}`);
    }
  });
  const inStrides = stridesOf(x.shape);
  const base = n === 0 ? 0 : starts.reduce((acc, s, k) => acc + s * inStrides[k], 0);
  const c = collapseDims(y.shape, [steps.map((s, k) => s * inStrides[k])]);
  const u = gpu.uniform('Slice', [n, c.shape.length, base, 0, ...padTo(c.shape, 8, 1), ...padTo(c.strides[0])]);
  return gpu.dispatch('slice', [x.buffer, y.buffer, u], grid(Math.ceil(n / 64)), {}, 'Slice');
}
