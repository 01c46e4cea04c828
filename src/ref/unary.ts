// Float64 references of the element-wise activations in shaders/unary.wgsl.
import type { UnaryOp } from '../gpu/kernels/unary';

export function unaryRef(op: UnaryOp, x: ArrayLike<number>, a = 0, b = 0): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    switch (op) {
      case 'Relu': y[i] = Math.max(v, 0); break;
      case 'LeakyRelu': y[i] = v >= 0 ? v : a * v; break;
      case 'Clip': y[i] = Math.min(Math.max(v, a), b); break;
      case 'Sigmoid': y[i] = 1 / (1 + Math.exp(-v)); break;
      case 'HardSigmoid': y[i] = Math.min(1, Math.max(0, a * v + b)); break;
      case 'HardSwish': y[i] = v * Math.min(1, Math.max(0, v / 6 + 0.5)); break;
      default: y[i] = v;
    }
  }
  return y;
}
