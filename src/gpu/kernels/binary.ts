// Typed wrapper over shaders/binary.wgsl: Add, Sub, Mul, Div with numpy broadcasting (rank ≤ 6).
// Shapes travel as uniforms, so one pipeline per op serves every shape.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { broadcastShape, broadcastStrides } from '../../ref/binary';
import { collapseDims, numel, padTo } from './layout';

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div';
const CODES: Record<BinaryOp, number> = { Add: 0, Sub: 1, Mul: 2, Div: 3 };

/** y = a op b; y.shape must be the broadcast of a.shape and b.shape. */
export function binary(gpu: Gpu, op: BinaryOp, a: GpuTensor, b: GpuTensor, y: GpuTensor): Dispatch {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape.length !== y.shape.length || shape.some((d, k) => d !== y.shape[k])) {
    throw new Error(`${op}: output shape [${y.shape.join(', ')}] is not the broadcast [${shape.join(', ')}]`);
  }
  const c = collapseDims(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const n = numel(shape);
  const u = gpu.uniform(op, [n, c.shape.length, 0, 0, ...padTo(c.shape, 8, 1), ...padTo(c.strides[0]), ...padTo(c.strides[1])]);
  return gpu.dispatch('binary', [a.buffer, b.buffer, y.buffer, u], elementGrid(gpu, n, 64), { OP: CODES[op] }, op);
}
