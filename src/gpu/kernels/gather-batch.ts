// Typed wrapper over shaders/gather-batch.wgsl: draws a training batch for block reconstruction
// from the cached block inputs/outputs on the GPU, driven by the Step uniform (iteration, seed).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import type { SampleCache } from './sample-cache';
import { numel } from './layout';

export interface BatchCaches {
  /** Float block inputs. */
  x: SampleCache;
  /** Block inputs from the quantized model, chunked like `x` (null: use x). */
  xQ: SampleCache | null;
  /** Float block outputs (the targets), same count. */
  y: SampleCache;
}

/**
 * Dispatches that fill out.x ([batch, ...], batch·xSize floats) and out.y (batch·ySize floats) for
 * the iteration in `step` (shaders/lib/step.wgsl; rewritten by the host each iteration, the
 * Dispatches are reused): one per cache chunk. Sample b is cache entry i_b = min(⌊rand01(seed,
 * STREAM.batch, iter, b) · count⌋, count − 1); x[b, e] = xQ[i_b, e] where rand01(seed,
 * STREAM.input, iter, b·xSize + e) < pIn, else x[i_b, e] (pIn 1: BRECQ, quantized input; 0: float
 * input; between: QDrop); y[b] = y[i_b].
 */
export function gatherBatch(
  gpu: Gpu,
  caches: BatchCaches,
  out: { x: GpuTensor; y: GpuTensor },
  batch: number,
  pIn: number,
  step: GPUBuffer,
): Dispatch[] {
  const { x, xQ, y } = caches;
  const count = x.count;
  if (!(count >= 1) || !(batch >= 1) || !(x.size >= 1) || !(y.size >= 1)) throw new Error(`gatherBatch: need count, batch, xSize, ySize >= 1`);
  if (!(pIn >= 0 && pIn <= 1)) throw new Error(`gatherBatch: pIn ${pIn} is not in [0, 1]`);
  if (numel(out.x.shape) !== batch * x.size) throw new Error(`gatherBatch: x [${out.x.shape.join(', ')}] does not hold ${batch} × ${x.size}`);
  if (numel(out.y.shape) !== batch * y.size) throw new Error(`gatherBatch: y [${out.y.shape.join(', ')}] does not hold ${batch} × ${y.size}`);
  if (y.count !== count) throw new Error(`gatherBatch: ${count} inputs but ${y.count} targets`);
  if (xQ && (xQ.count !== count || xQ.size !== x.size || xQ.stride !== x.stride || xQ.perChunk !== x.perChunk || xQ.precision !== x.precision)) {
    throw new Error('gatherBatch: the quantized-input cache is not laid out like the float-input cache');
  }
  for (const [name, c] of [['x', x], ['xQ', xQ], ['y', y]] as const) {
    if (!c) continue;
    const bytes = c.precision === 'f16' ? 2 : 4;
    if (c.chunks.length !== Math.ceil(c.count / c.perChunk)) throw new Error(`gatherBatch: ${name} has ${c.chunks.length} chunks for ${c.count} samples of ${c.perChunk}`);
    c.chunks.forEach((buf, k) => {
      const n = Math.min(c.perChunk, c.count - k * c.perChunk);
      if (buf.size < n * c.stride * bytes) throw new Error(`gatherBatch: ${name} chunk ${k} (${buf.size} bytes) does not hold ${n} × ${c.stride} ${c.precision} values`);
    });
  }
  const part = (label: string, fp: SampleCache, q: SampleCache, dst: GpuTensor, p: number): Dispatch[] =>
    fp.chunks.map((buf, k) => {
      const n = batch * fp.size;
      const first = k * fp.perChunk;
      const chunk = Math.min(fp.perChunk, count - first);
      const u = gpu.uniform(`${label}[${k}]`, [n, fp.size, count, first, chunk, fp.stride, fp.precision === 'f16' ? 1 : 0], [p]);
      return gpu.dispatch('gather-batch', [buf, q.chunks[k], dst.buffer, u, step], elementGrid(gpu, Math.ceil(n / 4), 64), {}, label);
    });
  return [...part('gatherBatch.x', x, xQ ?? x, out.x, xQ ? pIn : 0), ...part('gatherBatch.y', y, y, out.y, 0)];
}
