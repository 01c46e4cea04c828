// Compiled compute pipelines of shaders/NAME.wgsl, one per kernel name and override constants,
// labelled with both so that validation errors name the kernel.
import { shaderSource } from './shaders';

export type OverrideConstants = Record<string, number>;

export class PipelineCache {
  private pipelines = new Map<string, GPUComputePipeline>();

  constructor(private readonly device: GPUDevice) {}

  get(name: string, constants: OverrideConstants = {}): GPUComputePipeline {
    const key = name + JSON.stringify(constants);
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ label: name, code: shaderSource(name) });
      p = this.device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get size(): number {
    return this.pipelines.size;
  }

  /** Forget every pipeline (the device is going away). */
  clear(): void {
    this.pipelines.clear();
  }
}
