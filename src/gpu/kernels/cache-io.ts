// Typed wrappers over shaders/cache-pack.wgsl and shaders/cache-unpack.wgsl: float32 samples into a
// float16 sample cache and back (the layout of src/recon/cache.ts: a sample of `size` values at
// every `stride`, two halves to a 32-bit word, stride even). Rounding as gpu/half.ts's halfBits.
import type { Dispatch, Gpu } from '../gpu';
import { elementGrid } from '../elements';

/** `samples` samples of `size` values: source sample srcFirst + s to destination sample dstFirst + s. */
export interface SampleSpan {
  samples: number;
  size: number;
  /** Values from one sample to the next: the float32 side's (≥ size) and the float16 side's (even, ≥ size). */
  srcStride: number;
  dstStride: number;
  srcFirst: number;
  dstFirst: number;
}

function check(label: string, o: SampleSpan, src: GPUBuffer, srcBytes: number, dst: GPUBuffer, dstBytes: number, halfStride: number): void {
  if (!(o.samples >= 1 && o.size >= 1) || o.srcStride < o.size || o.dstStride < o.size) throw new Error(`${label}: bad span ${JSON.stringify(o)}`);
  if (halfStride % 2) throw new Error(`${label}: a float16 stride must be even (got ${halfStride})`);
  const srcEnd = (o.srcFirst + o.samples) * o.srcStride * srcBytes;
  const dstEnd = (o.dstFirst + o.samples) * o.dstStride * dstBytes;
  if (srcEnd > src.size || dstEnd > dst.size) throw new Error(`${label}: samples [${o.srcFirst}, +${o.samples}) → [${o.dstFirst}, +${o.samples}) overrun the buffers (${src.size}, ${dst.size} bytes)`);
}

const uniforms = (o: SampleSpan) => [o.samples, o.size, o.srcStride, o.dstStride, o.srcFirst, o.dstFirst];

/** float32 samples (src) → float16 cache samples (dst), nearest even. */
export function packHalf(gpu: Gpu, src: GPUBuffer, dst: GPUBuffer, o: SampleSpan, label = 'cachePack'): Dispatch {
  check(label, o, src, 4, dst, 2, o.dstStride);
  const u = gpu.uniform(label, uniforms(o));
  return gpu.dispatch('cache-pack', [src, dst, u], elementGrid(gpu, (o.samples * o.dstStride) / 2, 64), {}, label);
}

/** float16 cache samples (src) → float32 samples (dst), exact. */
export function unpackHalf(gpu: Gpu, src: GPUBuffer, dst: GPUBuffer, o: SampleSpan, label = 'cacheUnpack'): Dispatch {
  check(label, o, src, 2, dst, 4, o.srcStride);
  const u = gpu.uniform(label, uniforms(o));
  return gpu.dispatch('cache-unpack', [src, dst, u], elementGrid(gpu, o.samples * o.size, 64), {}, label);
}
