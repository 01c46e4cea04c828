// Typed wrapper over shaders/gather-batch.wgsl: draws a training batch for block reconstruction
// from the cached block inputs/outputs on the GPU, driven by the Step uniform (iteration, seed).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel } from './layout';

export interface BatchCaches {
  /** count × xSize floats: float block inputs. */
  xFp: GPUBuffer;
  /** count × xSize floats: block inputs from the quantized model (null: use xFp). */
  xQ: GPUBuffer | null;
  /** count × ySize floats: float block outputs (the targets). */
  yFp: GPUBuffer;
  count: number;
  xSize: number;
  ySize: number;
}

/**
 * Dispatches that fill out.x ([batch, ...], batch·xSize floats) and out.y (batch·ySize floats) for
 * the iteration in `step` (shaders/lib/step.wgsl; rewritten by the host each iteration, the
 * Dispatches are reused). Sample b is cache entry i_b = min(⌊rand01(seed, STREAM.batch, iter, b) ·
 * count⌋, count − 1); x[b, e] = xQ[i_b, e] where rand01(seed, STREAM.input, iter, b·xSize + e) < pIn,
 * else xFp[i_b, e] (pIn 1: BRECQ, quantized input; 0: float input; between: QDrop); y[b] = yFp[i_b].
 */
export function gatherBatch(
  gpu: Gpu,
  caches: BatchCaches,
  out: { x: GpuTensor; y: GpuTensor },
  batch: number,
  pIn: number,
  step: GPUBuffer,
): Dispatch[] {
  const { count, xSize, ySize } = caches;
  if (!(count >= 1) || !(batch >= 1) || !(xSize >= 1) || !(ySize >= 1)) throw new Error(`gatherBatch: need count, batch, xSize, ySize >= 1`);
  if (!(pIn >= 0 && pIn <= 1)) throw new Error(`gatherBatch: pIn ${pIn} is not in [0, 1]`);
  if (numel(out.x.shape) !== batch * xSize) throw new Error(`gatherBatch: x [${out.x.shape.join(', ')}] does not hold ${batch} × ${xSize}`);
  if (numel(out.y.shape) !== batch * ySize) throw new Error(`gatherBatch: y [${out.y.shape.join(', ')}] does not hold ${batch} × ${ySize}`);
  for (const [name, buf, per] of [['xFp', caches.xFp, xSize], ['xQ', caches.xQ, xSize], ['yFp', caches.yFp, ySize]] as const) {
    if (buf && buf.size < count * per * 4) throw new Error(`gatherBatch: ${name} (${buf.size} bytes) does not hold ${count} × ${per} floats`);
  }
  const part = (label: string, fp: GPUBuffer, q: GPUBuffer, dst: GpuTensor, size: number, p: number): Dispatch => {
    const n = batch * size;
    const u = gpu.uniform(label, [n, size, count], [p]);
    return gpu.dispatch('gather-batch', [fp, q, dst.buffer, u, step], grid(Math.ceil(n / 64)), {}, label);
  };
  return [
    part('gatherBatch.x', caches.xFp, caches.xQ ?? caches.xFp, out.x, xSize, caches.xQ ? pIn : 0),
    part('gatherBatch.y', caches.yFp, caches.yFp, out.y, ySize, 0),
  ];
}
