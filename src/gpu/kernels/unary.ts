// Typed wrapper over shaders/unary.wgsl: activations (Relu … Selu, Gelu) and element-wise math
// (Sqrt, Exp, Log, Reciprocal, Neg, Abs, Floor, Ceil).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';

export type UnaryOp =
  | 'Relu' | 'LeakyRelu' | 'Clip' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish' | 'Identity'
  | 'Tanh' | 'Erf' | 'Gelu' | 'GeluTanh' | 'Elu' | 'Selu' | 'Softplus'
  | 'Sqrt' | 'Exp' | 'Log' | 'Reciprocal' | 'Neg' | 'Abs' | 'Floor' | 'Ceil';
const CODES: Record<UnaryOp, number> = {
  Relu: 0, LeakyRelu: 1, Clip: 2, Sigmoid: 3, HardSigmoid: 4, HardSwish: 5, Identity: 6,
  Tanh: 7, Erf: 8, Gelu: 9, GeluTanh: 10, Elu: 11, Selu: 12, Softplus: 13,
  Sqrt: 14, Exp: 15, Log: 16, Reciprocal: 17, Neg: 18, Abs: 19, Floor: 20, Ceil: 21,
};

/**
 * y = op(x) element-wise; a/b are alpha (LeakyRelu, HardSigmoid, Elu, Selu), beta (HardSigmoid),
 * gamma (Selu), min/max (Clip).
 */
export function unary(gpu: Gpu, op: UnaryOp, x: GpuTensor, y: GpuTensor, a = 0, b = 0): Dispatch {
  const n = x.shape.reduce((p, q) => p * q, 1);
  const u = gpu.uniform(op, [n], [a, b]);
  return gpu.dispatch('unary', [x.buffer, y.buffer, u], elementGrid(gpu, n, 64), { OP: CODES[op] }, op);
}
