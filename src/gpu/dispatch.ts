// What kernel wrappers hand to the Gpu: tensors (a buffer and a shape), Dispatch records built once
// at plan time, workgroup grids within the WebGPU limit, and their recording into a compute pass.

export interface GpuTensor {
  buffer: GPUBuffer;
  shape: number[];
}

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

const MAX_GROUPS = 65535;

/** Split a flat workgroup count over x/y so no dimension exceeds the WebGPU limit. */
export function grid(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(1, groups), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

/** Record dispatches, in order, into one compute pass on the encoder. */
export function recordPass(enc: GPUCommandEncoder, dispatches: Dispatch[], label = 'run'): void {
  const pass = enc.beginComputePass({ label });
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
  pass.end();
}
