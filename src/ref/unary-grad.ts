// Float64 references of the activation backward in shaders/unary-grad.wgsl (PyTorch's kink rules).
import type { UnaryOp } from '../gpu/kernels/unary';

/** op'(v) with the conventions of unaryGrad (see src/gpu/kernels/unary-grad.ts). */
export function unaryDerivative(op: UnaryOp, v: number, a = 0, b = 0): number {
  switch (op) {
    case 'Relu': return v > 0 ? 1 : 0;
    case 'LeakyRelu': return v > 0 ? 1 : a;
    case 'Clip': return v > a && v < b ? 1 : 0;
    case 'Sigmoid': {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 - s);
    }
    case 'HardSigmoid': {
      const t = a * v + b;
      return t > 0 && t < 1 ? a : 0;
    }
    case 'HardSwish': return v <= -3 ? 0 : v < 3 ? v / 3 + 0.5 : 1;
    default: return 1;
  }
}

/** dx = dy · op'(x). */
export function unaryGradRef(op: UnaryOp, x: ArrayLike<number>, dy: ArrayLike<number>, a = 0, b = 0): Float64Array {
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) dx[i] = dy[i] * unaryDerivative(op, x[i], a, b);
  return dx;
}
