// CPU reference of shaders/gather-batch.wgsl (bit-exact: pure copies chosen by the counter RNG).
import { rand01 } from './rng';
import { STREAM } from '../gpu/kernels/step';

/** Cache entry of sample b: min(⌊rand01 · count⌋, count − 1), the product rounded to float32 as on the GPU. */
export function batchIndex(seed: number, iter: number, b: number, count: number): number {
  return Math.min(Math.floor(Math.fround(rand01(seed, STREAM.batch, iter, b) * count)), count - 1);
}

export interface BatchRef {
  x: Float32Array;
  y: Float32Array;
  /** Cache entry of each sample. */
  picks: number[];
  /** 1 where x took the quantized input. */
  quantized: Uint8Array;
}

export function gatherBatchRef(
  xFp: ArrayLike<number>,
  xQ: ArrayLike<number> | null,
  yFp: ArrayLike<number>,
  count: number,
  xSize: number,
  ySize: number,
  batch: number,
  pIn: number,
  seed: number,
  iter: number,
): BatchRef {
  const x = new Float32Array(batch * xSize);
  const y = new Float32Array(batch * ySize);
  const quantized = new Uint8Array(batch * xSize);
  const picks: number[] = [];
  const p = Math.fround(pIn);
  for (let b = 0; b < batch; b++) {
    const i = batchIndex(seed, iter, b, count);
    picks.push(i);
    for (let e = 0; e < xSize; e++) {
      const useQ = xQ !== null && rand01(seed, STREAM.input, iter, b * xSize + e) < p;
      quantized[b * xSize + e] = useQ ? 1 : 0;
      x[b * xSize + e] = useQ ? xQ[i * xSize + e] : xFp[i * xSize + e];
    }
    for (let e = 0; e < ySize; e++) y[b * ySize + e] = yFp[i * ySize + e];
  }
  return { x, y, picks, quantized };
}
