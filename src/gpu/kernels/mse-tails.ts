// Typed wrapper over shaders/mse-tails.wgsl: Σ n·(t − x)^p over the points below t (or Σ n·(x − t)^p
// above it) and its slope in t, at Q query points per row.
import { grid, type Dispatch, type Gpu } from '../gpu';
import { LP_NORM, type GpuPoints } from './mse-lattice';

/** queries: vec2 (t, side: 0 below, 1 above) [rows, q]; out: vec2 (F, F′) [rows, q]. The uniform buffer made goes to `owned`. */
export function mseTails(gpu: Gpu, pts: GpuPoints, queries: GPUBuffer, q: number, out: GPUBuffer, label = 'mse-tails', owned: GPUBuffer[] = []): Dispatch {
  const u = gpu.uniform(label, [pts.rows, q]);
  owned.push(u);
  return gpu.dispatch('mse-tails', [pts.xs, pts.ns, pts.starts, queries, out, u], grid(Math.ceil((pts.rows * q) / 64)), { P: LP_NORM }, label);
}
