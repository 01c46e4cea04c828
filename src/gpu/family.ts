// Which kernel family an adapter gets. CPU implementations of WebGPU (SwiftShader, lavapipe) run a
// workgroup as a loop over SIMD lanes on one core: workgroup barriers are costly there and register
// tiles with few loads pay. Real GPUs want operands staged in workgroup memory. Kernel wrappers
// choose per adapter when they build their pipelines.
import type { AdapterDescription, Gpu } from './gpu';

const CPU_NAMES = /swiftshader|llvmpipe|lavapipe|software|warp/i;

/** Is this adapter a CPU implementation of WebGPU? */
export function isCpuAdapter(a: AdapterDescription): boolean {
  return a.isFallbackAdapter || CPU_NAMES.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
}

export type KernelFamily = 'cpu' | 'gpu';

export function kernelFamily(gpu: Gpu): KernelFamily {
  return isCpuAdapter(gpu.adapter) ? 'cpu' : 'gpu';
}
