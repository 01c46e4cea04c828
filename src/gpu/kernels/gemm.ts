// Typed wrapper for ONNX Gemm over shaders/matmul.wgsl: y = alpha * op(A) op(B) + beta * C, with
// op = transpose when transA/transB and C unidirectionally broadcast to [M, N].
import type { Dispatch, Gpu, GpuTensor } from '../gpu';
import { productDispatch } from './matmul';

export interface GemmParams {
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
}

/** C's element strides along M and N: scalar, [N], [1,N], [M,1] and [M,N] (and [1,1], [1]) broadcast. */
export function gemmCStrides(cShape: number[], M: number, N: number): { rowStride: number; colStride: number } {
  if (cShape.length > 2) throw new Error(`gemm: C must have rank <= 2 (got [${cShape}])`);
  const cM = cShape.length === 2 ? cShape[0] : 1;
  const cN = cShape.length >= 1 ? cShape[cShape.length - 1] : 1;
  if ((cM !== 1 && cM !== M) || (cN !== 1 && cN !== N)) throw new Error(`gemm: C [${cShape}] does not broadcast to [${M},${N}]`);
  return { rowStride: cM === 1 ? 0 : cN, colStride: cN === 1 ? 0 : 1 };
}

/** ONNX Gemm; a [M,K] (or [K,M] with transA), b [K,N] (or [N,K] with transB), c broadcastable or null, y [M,N]. */
export function gemm(gpu: Gpu, a: GpuTensor, b: GpuTensor, c: GpuTensor | null, y: GpuTensor, p: GemmParams): Dispatch {
  const label = `gemm ${a.shape.join('x')}${p.transA ? 'ᵀ' : ''} @ ${b.shape.join('x')}${p.transB ? 'ᵀ' : ''}`;
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`${label}: A and B must be matrices`);
  const [M, K] = p.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [Kb, N] = p.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (K !== Kb) throw new Error(`${label}: inner dimensions differ (${K} vs ${Kb})`);
  if (y.shape.join() !== [M, N].join()) throw new Error(`${label}: y is [${y.shape}], expected [${M},${N}]`);
  const useC = c !== null && p.beta !== 0;
  return productDispatch(gpu, a, b, y, {
    label,
    M,
    N,
    K,
    transA: p.transA,
    transB: p.transB,
    alpha: p.alpha,
    beta: p.beta,
    batch: [],
    aBatchStrides: [0, 0, 0, 0],
    bBatchStrides: [0, 0, 0, 0],
    c: useC ? { tensor: c, ...gemmCStrides(c.shape, M, N) } : null,
  });
}
