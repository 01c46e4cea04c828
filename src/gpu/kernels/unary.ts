// Typed wrapper over shaders/unary.wgsl: Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';

export type UnaryOp = 'Relu' | 'LeakyRelu' | 'Clip' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish' | 'Identity';
const CODES: Record<UnaryOp, number> = { Relu: 0, LeakyRelu: 1, Clip: 2, Sigmoid: 3, HardSigmoid: 4, HardSwish: 5, Identity: 6 };

/** y = op(x) element-wise; a/b are alpha (LeakyRelu, HardSigmoid), beta (HardSigmoid), min/max (Clip). */
export function unary(gpu: Gpu, op: UnaryOp, x: GpuTensor, y: GpuTensor, a = 0, b = 0): Dispatch {
  const n = x.shape.reduce((p, q) => p * q, 1);
  const u = gpu.uniform(op, [n], [a, b]);
  return gpu.dispatch('unary', [x.buffer, y.buffer, u], elementGrid(gpu, n, 64), { OP: CODES[op] }, op);
}
