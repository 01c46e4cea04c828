// Moving ranges of samples between sample caches (src/recon/cache.ts) and plain float32 batch
// tensors on the GPU: buffer copies where both sides store the same way, the float16 pack/unpack
// kernels (src/gpu/kernels/cache-io.ts) where they do not, split at every chunk boundary of
// either side. The result is a list of steps built once and encoded as often as needed.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import { packHalf, unpackHalf } from '../gpu/kernels/cache-io';
import type { SampleCache } from './cache';

/** Where samples live: a SampleCache, or a batch tensor seen as one float32 chunk. */
export type SampleStore = Pick<SampleCache, 'chunks' | 'size' | 'stride' | 'perChunk' | 'precision'>;

/** A float32 tensor [samples, ...] as a store of `samples` samples. */
export function tensorStore(t: GpuTensor): SampleStore {
  const samples = t.shape[0];
  const size = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { chunks: [t.buffer], size, stride: size, perChunk: samples, precision: 'f32' };
}

export type Step = { copy: { src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; bytes: number } } | { dispatch: Dispatch };

/** Steps that copy samples [srcFirst, srcFirst + n) of src to [dstFirst, dstFirst + n) of dst. */
export function moveSamples(gpu: Gpu, src: SampleStore, srcFirst: number, dst: SampleStore, dstFirst: number, n: number, label = 'samples'): Step[] {
  if (src.size !== dst.size) throw new Error(`${label}: samples of ${src.size} and ${dst.size} values`);
  const steps: Step[] = [];
  for (let k = 0; k < n; ) {
    const s = srcFirst + k;
    const d = dstFirst + k;
    const sc = Math.floor(s / src.perChunk);
    const dc = Math.floor(d / dst.perChunk);
    const sl = s - sc * src.perChunk;
    const dl = d - dc * dst.perChunk;
    const m = Math.min(n - k, src.perChunk - sl, dst.perChunk - dl);
    const [from, to] = [src.chunks[sc], dst.chunks[dc]];
    if (!from || !to) throw new Error(`${label}: sample ${s} → ${d} is outside the stores`);
    const span = { samples: m, size: src.size, srcStride: src.stride, dstStride: dst.stride, srcFirst: sl, dstFirst: dl };
    if (src.precision === dst.precision && src.stride === dst.stride) {
      const bpv = src.precision === 'f16' ? 2 : 4;
      steps.push({ copy: { src: from, srcOffset: sl * src.stride * bpv, dst: to, dstOffset: dl * dst.stride * bpv, bytes: m * src.stride * bpv } });
    } else if (src.precision === 'f32' && dst.precision === 'f16') steps.push({ dispatch: packHalf(gpu, from, to, span, `${label}.pack`) });
    else if (src.precision === 'f16' && dst.precision === 'f32') steps.push({ dispatch: unpackHalf(gpu, from, to, span, `${label}.unpack`) });
    else throw new Error(`${label}: cannot copy ${src.precision} stride ${src.stride} to ${dst.precision} stride ${dst.stride}`);
    k += m;
  }
  return steps;
}

/** Record steps on an encoder: consecutive dispatches share one compute pass. */
export function encodeSteps(enc: GPUCommandEncoder, steps: Step[], label = 'samples'): void {
  let pass: GPUComputePassEncoder | null = null;
  for (const st of steps) {
    if ('copy' in st) {
      pass?.end();
      pass = null;
      const c = st.copy;
      enc.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.bytes);
      continue;
    }
    pass ??= enc.beginComputePass({ label });
    pass.setPipeline(st.dispatch.pipeline);
    pass.setBindGroup(0, st.dispatch.bindGroup);
    pass.dispatchWorkgroups(...st.dispatch.workgroups);
  }
  pass?.end();
}

/** Encode steps in one command buffer, submit, wait, and surface GPU errors. */
export async function runSteps(gpu: Gpu, steps: Step[], label = 'samples'): Promise<void> {
  const enc = gpu.device.createCommandEncoder({ label });
  encodeSteps(enc, steps, label);
  gpu.device.queue.submit([enc.finish()]);
  await gpu.device.queue.onSubmittedWorkDone();
  gpu.throwErrors();
}
