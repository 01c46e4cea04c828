// The block caches of reconstruction (float input, quantized input, float output over the
// calibration images) as GPU buffers within a memory budget: float32, or float16 packed two to a
// 32-bit word (WGSL's unpack2x16float is core, so half storage works on every adapter, shader-f16
// or not), split into chunks of whole samples so that no buffer exceeds the adapter's
// maxStorageBufferBindingSize / maxBufferSize. shaders/gather-batch.wgsl reads them one chunk per
// dispatch.
import type { CachePrecision, SampleCache } from '../gpu/kernels/sample-cache';
export type { CachePrecision, SampleCache } from '../gpu/kernels/sample-cache';
import { StudioError } from '../engine/errors';
import type { Gpu } from '../gpu/gpu';
import { halfBits, halfValue } from '../gpu/half';
export { cachedValues, halfBits, halfValue } from '../gpu/half';


/** `count` samples of `size` values each, in chunks of at most `perChunk` samples (one buffer each). */

const bytesPerValue = (p: CachePrecision) => (p === 'f16' ? 2 : 4);
const strideOf = (size: number, p: CachePrecision) => (p === 'f16' ? size + (size & 1) : size);

/** Bytes one cache of `count` samples of `size` values takes. */
export function sampleCacheBytes(count: number, size: number, precision: CachePrecision): number {
  return count * strideOf(size, precision) * bytesPerValue(precision);
}

/** The largest buffer the adapter lets a shader bind (and create), rounded down to 4 bytes. */
export function maxChunkBytes(gpu: Gpu): number {
  const l = gpu.limits;
  return Math.floor(Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / 4) * 4;
}

export function createSampleCache(gpu: Gpu, label: string, count: number, size: number, precision: CachePrecision, chunkBytes = maxChunkBytes(gpu)): SampleCache {
  const stride = strideOf(size, precision);
  const sampleBytes = sampleCacheBytes(1, size, precision);
  const perChunk = Math.min(count, Math.floor(chunkBytes / sampleBytes));
  if (perChunk < 1) throw new StudioError('bad-input', `${label}: one sample (${sampleBytes} bytes) is larger than this GPU's largest buffer (${chunkBytes} bytes)`);
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
  const c = createSampleCache(gpu, label, count, data.length / count, precision, chunkBytes);
  writeSamples(gpu, c, 0, data);
  return c;
}

function toHalfBits(src: Float32Array, dst: Uint16Array, at: number): void {
  for (let i = 0; i < src.length; i++) dst[at + i] = halfBits(src[i]);
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
