// Typed wrapper over shaders/unary-grad.wgsl: the backward of unary() (same ops, same a/b).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import type { UnaryOp } from './unary';
import { numel } from './layout';

/** The ops with a backward (the activations reconstruction trains through). */
const CODES: Partial<Record<UnaryOp, number>> = { Relu: 0, LeakyRelu: 1, Clip: 2, Sigmoid: 3, HardSigmoid: 4, HardSwish: 5, Identity: 6 };

/**
 * dx = dy · op'(x), x the forward INPUT; a/b as in unary() (LeakyRelu alpha, Clip min/max,
 * HardSigmoid alpha/beta). At kinks (PyTorch's conventions): Relu 0 at x = 0; LeakyRelu a at x = 0;
 * Clip 1 only strictly inside (min < x < max, as hardtanh); HardSigmoid a only for 0 < a·x + b < 1;
 * HardSwish 0 for x <= −3, x/3 + 1/2 for −3 < x < 3, 1 for x >= 3. dx must not be dy's buffer.
 */
export function unaryGrad(gpu: Gpu, op: UnaryOp, x: GpuTensor, dy: GpuTensor, dx: GpuTensor, a = 0, b = 0): Dispatch {
  const n = numel(x.shape);
  if (numel(dy.shape) !== n || numel(dx.shape) !== n) {
    throw new Error(`${op}Grad: x [${x.shape.join(', ')}], dy [${dy.shape.join(', ')}] and dx [${dx.shape.join(', ')}] differ in size`);
  }
  const label = `${op}Grad`;
  const code = CODES[op];
  if (code === undefined) throw new Error(`${label}: no backward kernel for ${op}`);
  if (dx.buffer === dy.buffer || dx.buffer === x.buffer) throw new Error(`${label}: dx needs a buffer of its own`);
  const u = gpu.uniform(label, [n], [a, b]);
  return gpu.dispatch('unary-grad', [x.buffer, dy.buffer, dx.buffer, u], elementGrid(gpu, n, 64), { OP: code }, label);
}
