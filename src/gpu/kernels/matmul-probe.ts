// Typed wrapper over shaders/matmul-probe.wgsl: y [M,N] = aᵀ·b for K-major a [K,M] and b [K,N], a
// register tile of TM x TN per invocation. Only the benchmarks use it (as the adapter's matmul ceiling).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';

export type ProbeTile = 4 | 8;

export function matmulProbe(gpu: Gpu, a: GpuTensor, b: GpuTensor, y: GpuTensor, tm: ProbeTile = 8, tn: ProbeTile = 8): Dispatch {
  const [K, M] = a.shape;
  const N = b.shape[1];
  const label = `matmulProbe ${M}x${N}x${K} ${tm}x${tn}`;
  if (b.shape[0] !== K || y.shape.join() !== [M, N].join()) throw new Error(`${label}: a [K,M], b [K,N] and y [M,N] do not match`);
  if (M % tm || N % tn) throw new Error(`${label}: M must be a multiple of ${tm} and N of ${tn}`);
  const tiles = (M / tm) * (N / tn);
  const u = gpu.uniform(label, [M, N, K, tiles]);
  return gpu.dispatch('matmul-probe', [a.buffer, b.buffer, y.buffer, u], grid(Math.ceil(tiles / 64)), { TM: tm, TN: tn }, label);
}
