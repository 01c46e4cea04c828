// The layout of a sample cache on the GPU, as the batch sampler (gather-batch) and the cache
// conversion kernels (cache-io) read it; src/recon/cache.ts creates and fills them.
export type CachePrecision = 'f32' | 'f16';

export interface SampleCache {
  chunks: GPUBuffer[];
  count: number;
  size: number;
  /** Values from one sample to the next in a chunk: `size`, rounded up to even for f16 (4-byte aligned samples). */
  stride: number;
  perChunk: number;
  precision: CachePrecision;
}
