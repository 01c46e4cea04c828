// The block caches of reconstruction (float input, quantized input, float output over the
// calibration images) within a memory budget: float32, or float16 packed two to a 32-bit word
// (WGSL's unpack2x16float is core, so half storage works on every adapter, shader-f16 or not). The
// storage itself (chunks of whole samples, none above the adapter's maxStorageBufferBindingSize /
// maxBufferSize, read one chunk per dispatch by shaders/gather-batch.wgsl) is
// src/gpu/kernels/sample-cache.ts; this file plans it and names the budget when it does not fit.
import { allocSampleCache, maxChunkBytes, sampleCacheBytes, samplesPerChunk, type CachePrecision, type SampleCache } from '../gpu/kernels/sample-cache';
export type { CachePrecision, SampleCache } from '../gpu/kernels/sample-cache';
export { destroySampleCache, maxChunkBytes, readSamples, sampleCacheBytes, sampleCacheOf, writeSamples } from '../gpu/kernels/sample-cache';
import { StudioError } from '../engine/errors';
import type { Gpu } from '../gpu/gpu';
export { cachedValues, halfBits, halfValue } from '../gpu/half';

/** A cache of `count` samples of `size` values; a StudioError when one sample exceeds the largest buffer the GPU binds. */
export function createSampleCache(gpu: Gpu, label: string, count: number, size: number, precision: CachePrecision, chunkBytes = maxChunkBytes(gpu)): SampleCache {
  if (samplesPerChunk(size, precision, chunkBytes) < 1) {
    throw new StudioError('bad-input', `${label}: one sample (${sampleCacheBytes(1, size, precision)} bytes) is larger than this GPU's largest buffer (${chunkBytes} bytes)`);
  }
  return allocSampleCache(gpu, label, count, size, precision, chunkBytes);
}

export interface CachePlanInput {
  /** Block name, for messages. */
  block: string;
  count: number;
  xSize: number;
  ySize: number;
  /** A quantized-input cache is kept (every block but the first). */
  quantInput: boolean;
  /** Bytes the caches may take in all. */
  budget: number;
  precision: 'auto' | CachePrecision;
}

/**
 * The precision of a block's caches: float32 when the three fit the budget, else float16 (with
 * 'auto'); a StudioError naming the sizes, the image count that fits and the budget setting when
 * neither fits.
 */
/** Bytes a block's caches take for `count` images: float input, quantized input (when kept), float output. */
export function blockCacheBytes(p: Pick<CachePlanInput, 'xSize' | 'ySize' | 'quantInput'>, precision: CachePrecision, count: number): number {
  return sampleCacheBytes(count, p.xSize, precision) * (p.quantInput ? 2 : 1) + sampleCacheBytes(count, p.ySize, precision);
}

export function planCaches(p: CachePlanInput): { precision: CachePrecision; bytes: number } {
  const bytes = (prec: CachePrecision, count = p.count) => blockCacheBytes(p, prec, count);
  const options: CachePrecision[] = p.precision === 'auto' ? ['f32', 'f16'] : [p.precision];
  for (const prec of options) if (bytes(prec) <= p.budget) return { precision: prec, bytes: bytes(prec) };
  const last = options[options.length - 1];
  const perImage = bytes(last, 1);
  const fit = Math.floor(p.budget / perImage);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  throw new StudioError(
    'bad-input',
    `block ${p.block}: caching ${p.count} calibration images needs ${mib(bytes(last))} in ${last === 'f16' ? 'float16' : 'float32'}` +
      (p.precision === 'auto' ? ` (${mib(bytes('f32'))} in float32)` : '') +
      `, above the cache budget of ${mib(p.budget)}. Use at most ${fit} images for reconstruction` +
      (p.precision === 'f32' ? ', allow float16 caches,' : '') +
      ` or raise the cache budget (CLI --cache-mib, studio "Cache budget") if the GPU has the memory.`,
  );
}
