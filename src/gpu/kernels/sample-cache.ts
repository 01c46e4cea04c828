// The layout of a sample cache on the GPU, as the batch sampler (gather-batch) and the cache
// conversion kernels (cache-io) read it, and its storage: float32, or float16 packed two to a 32-bit
// word, in chunks of whole samples that each fit one binding. src/recon/cache.ts plans the caches of
// reconstruction within a budget and creates them through createSampleCache.
import type { Gpu } from '../gpu';
import { halfBits, halfValue } from '../half';

export type CachePrecision = 'f32' | 'f16';

/** `count` samples of `size` values each, in chunks of at most `perChunk` samples (one buffer each). */
export interface SampleCache {
  chunks: GPUBuffer[];
  count: number;
  size: number;
  /** Values from one sample to the next in a chunk: `size`, rounded up to even for f16 (4-byte aligned samples). */
  stride: number;
  perChunk: number;
  precision: CachePrecision;
}

const bytesPerValue = (p: CachePrecision) => (p === 'f16' ? 2 : 4);
const strideOf = (size: number, p: CachePrecision) => (p === 'f16' ? size + (size & 1) : size);

/** Bytes one cache of `count` samples of `size` values takes. */
export function sampleCacheBytes(count: number, size: number, precision: CachePrecision): number {
  return count * strideOf(size, precision) * bytesPerValue(precision);
}

/** Whole samples of `size` values in one chunk of `chunkBytes`. */
export function samplesPerChunk(size: number, precision: CachePrecision, chunkBytes: number): number {
  return Math.floor(chunkBytes / sampleCacheBytes(1, size, precision));
}

/** The largest buffer the adapter lets a shader bind (and create), rounded down to 4 bytes. */
export function maxChunkBytes(gpu: Gpu): number {
  const l = gpu.limits;
  return Math.floor(Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / 4) * 4;
}

/** A cache's buffers, uninitialised; `perChunk` must be at least 1 (see samplesPerChunk). */
export function allocSampleCache(gpu: Gpu, label: string, count: number, size: number, precision: CachePrecision, chunkBytes = maxChunkBytes(gpu)): SampleCache {
  const stride = strideOf(size, precision);
  const sampleBytes = sampleCacheBytes(1, size, precision);
  const perChunk = Math.min(count, samplesPerChunk(size, precision, chunkBytes));
  if (perChunk < 1) throw new Error(`${label}: one sample (${sampleBytes} bytes) is larger than a chunk (${chunkBytes} bytes)`);
  const chunks: GPUBuffer[] = [];
  for (let first = 0; first < count; first += perChunk) {
    const n = Math.min(perChunk, count - first);
    chunks.push(gpu.buffer(`${label} [${first}, ${first + n})`, n * sampleBytes));
  }
  return { chunks, count, size, stride, perChunk, precision };
}

export function destroySampleCache(c: SampleCache | null | undefined): void {
  for (const b of c?.chunks ?? []) b.destroy();
}

/** Writes samples first, first + 1, … from `data` (whole samples of `size` float32 values). */
export function writeSamples(gpu: Gpu, c: SampleCache, first: number, data: Float32Array): void {
  const n = data.length / c.size;
  if (!Number.isInteger(n) || first < 0 || first + n > c.count) throw new Error(`writeSamples: ${data.length} values at sample ${first} do not fit ${c.count} × ${c.size}`);
  for (let s = first; s < first + n; ) {
    const chunk = Math.floor(s / c.perChunk);
    const local = s - chunk * c.perChunk;
    const k = Math.min(first + n, (chunk + 1) * c.perChunk) - s;
    const src = data.subarray((s - first) * c.size, (s - first + k) * c.size);
    if (c.precision === 'f32') gpu.write(c.chunks[chunk], src, 4 * local * c.stride);
    else {
      const halves = new Uint16Array(k * c.stride);
      for (let j = 0; j < k; j++) toHalfBits(src.subarray(j * c.size, (j + 1) * c.size), halves, j * c.stride);
      gpu.device.queue.writeBuffer(c.chunks[chunk], 2 * local * c.stride, halves.buffer, 0, halves.byteLength);
    }
    s += k;
  }
}

/** Every sample of a cache read back as float32 (float16 decoded), count × size values: for tests. */
export async function readSamples(gpu: Gpu, c: SampleCache): Promise<Float32Array> {
  const out = new Float32Array(c.count * c.size);
  for (const [k, buf] of c.chunks.entries()) {
    const n = Math.min(c.perChunk, c.count - k * c.perChunk);
    const words = new Uint32Array((await gpu.read(buf, Math.ceil((n * c.stride * bytesPerValue(c.precision)) / 4))).buffer);
    const f32 = new Float32Array(words.buffer);
    for (let s = 0; s < n; s++) {
      for (let e = 0; e < c.size; e++) {
        const j = s * c.stride + e;
        out[(k * c.perChunk + s) * c.size + e] = c.precision === 'f32' ? f32[j] : halfValue((words[j >> 1] >>> ((j & 1) * 16)) & 0xffff);
      }
    }
  }
  return out;
}

/** A cache holding `data` (count × size float32 values), for tests and benchmarks. */
export function sampleCacheOf(gpu: Gpu, label: string, data: Float32Array, count: number, precision: CachePrecision = 'f32', chunkBytes?: number): SampleCache {
  const c = allocSampleCache(gpu, label, count, data.length / count, precision, chunkBytes);
  writeSamples(gpu, c, 0, data);
  return c;
}

function toHalfBits(src: Float32Array, dst: Uint16Array, at: number): void {
  for (let i = 0; i < src.length; i++) dst[at + i] = halfBits(src[i]);
}
