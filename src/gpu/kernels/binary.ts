// Typed wrapper over shaders/binary.wgsl: Add, Sub, Mul, Div, Pow, PRelu, Max, Min, Equal with
// numpy broadcasting (rank ≤ 8 after collapsing), and Expand (a broadcast copy).
// Shapes travel as uniforms, so one pipeline per op serves every shape.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { broadcastShape, broadcastStrides } from '../../ref/binary';
import { collapseDims, numel, padTo } from './layout';

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'PRelu' | 'Max' | 'Min' | 'Equal';
const CODES: Record<BinaryOp | 'Expand', number> = { Add: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4, PRelu: 5, Max: 6, Min: 7, Equal: 8, Expand: 9 };

const sameShape = (p: readonly number[], q: readonly number[]) => p.length === q.length && p.every((d, k) => d === q[k]);

function dispatch(gpu: Gpu, op: BinaryOp | 'Expand', a: GpuTensor, b: GpuTensor, y: GpuTensor): Dispatch {
  const shape = y.shape;
  const c = collapseDims(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const n = numel(shape);
  const u = gpu.uniform(op, [n, c.shape.length, 0, 0, ...padTo(c.shape, 8, 1), ...padTo(c.strides[0]), ...padTo(c.strides[1]), ...padTo([])]); // no third operand
  return gpu.dispatch('binary', [a.buffer, b.buffer, y.buffer, u], elementGrid(gpu, n, 64), { OP: CODES[op] }, op);
}

/** y = a op b; y.shape must be the broadcast of a.shape and b.shape. Equal writes 1 or 0. */
export function binary(gpu: Gpu, op: BinaryOp, a: GpuTensor, b: GpuTensor, y: GpuTensor): Dispatch {
  const shape = broadcastShape(a.shape, b.shape);
  if (!sameShape(shape, y.shape)) {
    throw new Error(`${op}: output shape [${y.shape.join(', ')}] is not the broadcast [${shape.join(', ')}]`);
  }
  return dispatch(gpu, op, a, b, y);
}

/** y = x broadcast to y.shape (ONNX Expand on data); y.shape must be a broadcast of x.shape. */
export function expand(gpu: Gpu, x: GpuTensor, y: GpuTensor): Dispatch {
  if (!sameShape(broadcastShape(x.shape, y.shape), y.shape)) {
    throw new Error(`Expand: [${x.shape.join(', ')}] does not broadcast to [${y.shape.join(', ')}]`);
  }
  return dispatch(gpu, 'Expand', x, x, y);
}
