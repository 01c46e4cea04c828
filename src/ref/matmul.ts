// Float64 references of shaders/matmul.wgsl: MatMul with numpy batch broadcasting, and ONNX Gemm
// (transA/transB, alpha, beta, C broadcast to [M, N]).
import { matmulOutputShape } from '../gpu/kernels/matmul';
import type { GemmParams } from '../gpu/kernels/gemm';

export { matmulOutputShape };

/** Row-major strides of a shape. */
function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Offset of an operand's batch matrix for the output batch index `idx` (broadcast dims read index 0). */
function batchOffset(idx: number[], opBatch: number[], matrixSize: number): number {
  const st = strides(opBatch);
  let off = 0;
  for (let i = 0; i < opBatch.length; i++) {
    const d = idx[idx.length - opBatch.length + i];
    off += (opBatch[i] === 1 ? 0 : d) * st[i];
  }
  return off * matrixSize;
}

/** a [...batchA, M, K] @ b [...batchB, K, N] with numpy broadcasting of the batch dims. */
export function matmulRef(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[]): { data: Float64Array; shape: number[] } {
  const shape = matmulOutputShape(aShape, bShape);
  const [M, K] = aShape.slice(-2);
  const N = bShape[bShape.length - 1];
  const batch = shape.slice(0, -2);
  const nBatch = batch.reduce((p, q) => p * q, 1);
  const bst = strides(batch);
  const y = new Float64Array(nBatch * M * N);
  for (let t = 0; t < nBatch; t++) {
    const idx = batch.map((_, i) => Math.floor(t / bst[i]) % batch[i]);
    const ao = batchOffset(idx, aShape.slice(0, -2), M * K);
    const bo = batchOffset(idx, bShape.slice(0, -2), K * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ao + m * K + k] * b[bo + k * N + n];
        y[(t * M + m) * N + n] = s;
      }
    }
  }
  return { data: y, shape };
}

/** ONNX Gemm: alpha * op(A) op(B) + beta * C, C (if any) broadcast to [M, N]. */
export function gemmRef(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  c: ArrayLike<number> | null,
  cShape: number[],
  p: GemmParams,
): { data: Float64Array; shape: number[] } {
  const [M, K] = p.transA ? [aShape[1], aShape[0]] : aShape;
  const N = p.transB ? bShape[0] : bShape[1];
  const A = (m: number, k: number) => (p.transA ? a[k * M + m] : a[m * K + k]);
  const B = (k: number, n: number) => (p.transB ? b[n * K + k] : b[k * N + n]);
  const cM = cShape.length === 2 ? cShape[0] : 1;
  const cN = cShape.length >= 1 ? cShape[cShape.length - 1] : 1;
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(m, k) * B(k, n);
      const cv = c ? c[(cM === 1 ? 0 : m) * cN + (cN === 1 ? 0 : n)] : 0;
      y[m * N + n] = p.alpha * s + p.beta * cv;
    }
  }
  return { data: y, shape: [M, N] };
}
