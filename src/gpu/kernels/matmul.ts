// Typed wrapper over shaders/matmul.wgsl for ONNX MatMul (numpy batch broadcasting, rank 2..6),
// plus the product dispatch it shares with gemm.ts. Shapes travel in uniforms.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';

const MAX_BATCH_DIMS = 4;
const TILE = 32; // a workgroup's square of y

/** [...broadcast(batchA, batchB), M, N] for a [...batchA, M, K] times b [...batchB, K, N]. */
export function matmulOutputShape(aShape: number[], bShape: number[]): number[] {
  if (aShape.length < 2 || bShape.length < 2) throw new Error(`matmul: operands must have rank >= 2 (got [${aShape}], [${bShape}])`);
  const [M, K] = aShape.slice(-2);
  const [Kb, N] = bShape.slice(-2);
  if (K !== Kb) throw new Error(`matmul: inner dimensions differ: [${aShape}] x [${bShape}]`);
  const ba = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const r = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = ba[ba.length - r + i] ?? 1;
    const db = bb[bb.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`matmul: batch dimensions do not broadcast: [${aShape}] x [${bShape}]`);
    batch.push(da === 1 ? db : da);
  }
  return [...batch, M, N];
}

/** Element strides of an operand's batch dims within the output batch (0 where it broadcasts), padded to 4. */
function batchStrides(opBatch: number[], matrixSize: number): number[] {
  const strides = new Array<number>(MAX_BATCH_DIMS).fill(0);
  let s = matrixSize;
  for (let i = 1; i <= opBatch.length; i++) {
    const d = opBatch[opBatch.length - i];
    if (d !== 1) strides[MAX_BATCH_DIMS - i] = s;
    s *= d;
  }
  return strides;
}

export interface ProductSpec {
  label: string;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  /** Output batch dims (at most 4) and each operand's element strides per dim, right-aligned. */
  batch: number[];
  aBatchStrides: number[];
  bBatchStrides: number[];
  /** C's element strides along M and N (0 where it broadcasts), or null for no C. */
  c: { tensor: GpuTensor; rowStride: number; colStride: number } | null;
}

/** y[b] = alpha * op(A[b]) op(B[b]) + beta * C: the one Dispatch behind MatMul and Gemm. */
export function productDispatch(gpu: Gpu, a: GpuTensor, b: GpuTensor, y: GpuTensor, s: ProductSpec): Dispatch {
  if (s.batch.length > MAX_BATCH_DIMS) throw new Error(`${s.label}: at most ${MAX_BATCH_DIMS} batch dimensions (rank 6)`);
  const batchShape = [...new Array<number>(MAX_BATCH_DIMS - s.batch.length).fill(1), ...s.batch];
  const batch = batchShape.reduce((p, q) => p * q, 1);
  const [tilesM, tilesN] = [Math.ceil(s.M / TILE), Math.ceil(s.N / TILE)];
  const ints = [s.M, s.N, s.K, batch, tilesM, tilesN, s.c?.rowStride ?? 0, s.c?.colStride ?? 0, ...batchShape, ...s.aBatchStrides, ...s.bBatchStrides];
  const u = gpu.uniform(s.label, ints, [s.alpha, s.beta]);
  const constants = {
    TRANS_A: s.transA ? 1 : 0,
    TRANS_B: s.transB ? 1 : 0,
    HAS_C: s.c ? 1 : 0,
    VEC_A: (s.transA ? s.M : s.K) % 4 === 0 ? 1 : 0,
    VEC_B: (s.transB ? s.K : s.N) % 4 === 0 ? 1 : 0,
  };
  const buffers = [a.buffer, b.buffer, (s.c?.tensor ?? a).buffer, y.buffer, u];
  return gpu.dispatch('matmul', buffers, grid(tilesM * tilesN * batch), constants, s.label);
}

/** y = a @ b with numpy broadcasting of the batch dims; a [...batchA, M, K], b [...batchB, K, N], rank 2..6. */
export function matmul(gpu: Gpu, a: GpuTensor, b: GpuTensor, y: GpuTensor): Dispatch {
  const label = `matmul ${a.shape.join('x')} @ ${b.shape.join('x')}`;
  const want = matmulOutputShape(a.shape, b.shape);
  if (y.shape.join() !== want.join()) throw new Error(`${label}: y is [${y.shape}], expected [${want}]`);
  const [M, K] = a.shape.slice(-2);
  const N = b.shape[b.shape.length - 1];
  const batch = want.slice(0, -2);
  return productDispatch(gpu, a, b, y, {
    label,
    M,
    N,
    K,
    transA: false,
    transB: false,
    alpha: 1,
    beta: 0,
    batch,
    aBatchStrides: batchStrides(a.shape.slice(0, -2), M * K),
    bBatchStrides: batchStrides(b.shape.slice(0, -2), K * N),
    c: null,
  });
}
