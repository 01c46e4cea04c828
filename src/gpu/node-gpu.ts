// WebGPU in Node through the `webgpu` package (Dawn). The GPU object from create() must stay
// referenced for the life of the process, or Dawn is collected mid-run and crashes.
import { Gpu } from './gpu';
import { chooseVulkanDriver } from './vulkan-icd';

let keep: GPU | undefined;

export async function nodeGpu(): Promise<Gpu> {
  chooseVulkanDriver();
  if (!keep) {
    let mod: { create: (o: string[]) => GPU; globals: object };
    try {
      mod = (await import('webgpu')) as unknown as typeof mod;
    } catch (e) {
      return Gpu.create(undefined, `Node (the "webgpu" package failed to load: ${(e as Error).message}; install it and the Vulkan loader: apt-get install libvulkan1)`);
    }
    Object.assign(globalThis, mod.globals);
    keep = mod.create([]);
    (globalThis as { __quantStudioDawn?: GPU }).__quantStudioDawn = keep;
  }
  return Gpu.create(keep, 'Node (Dawn): no Vulkan driver found; apt-get install libvulkan1 chromium (SwiftShader) or a GPU driver, or set VK_ICD_FILENAMES');
}
