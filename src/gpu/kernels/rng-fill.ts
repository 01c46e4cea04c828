// Typed wrapper over shaders/rng-fill.wgsl: fills a tensor from the counter RNG (tests, noise).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';

/** out[i] = rand01(seed, stream, counter, i) (shaders/lib/rng.wgsl; CPU twin src/ref/rng.ts). */
export function rngFill(gpu: Gpu, out: GpuTensor, seed: number, stream: number, counter: number): Dispatch {
  const n = numel(out.shape);
  const u = gpu.uniform('rngFill', [n, seed >>> 0, stream >>> 0, counter >>> 0]);
  return gpu.dispatch('rng-fill', [out.buffer, u], grid(Math.ceil(n / 64)), {}, 'rngFill');
}
