// Float64 references of the element-wise ops in shaders/unary.wgsl (activations and math).
import type { UnaryOp } from '../gpu/kernels/unary';

/** erf to ~1e-15: 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3···(2n+1)), a series of positive terms. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (a > 6) return Math.sign(x); // erfc(6) ≈ 2e-17
  let term = a;
  let sum = a;
  for (let n = 1; n < 500 && term > sum * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

function apply(op: UnaryOp, v: number, a: number, b: number): number {
  switch (op) {
    case 'Relu': return Math.max(v, 0);
    case 'LeakyRelu': return v >= 0 ? v : a * v;
    case 'Clip': return Math.min(Math.max(v, a), b);
    case 'Sigmoid': return 1 / (1 + Math.exp(-v));
    case 'HardSigmoid': return Math.min(1, Math.max(0, a * v + b));
    case 'HardSwish': return v * Math.min(1, Math.max(0, v / 6 + 0.5));
    case 'Identity': return v;
    case 'Tanh': return Math.tanh(v);
    case 'Erf': return erf(v);
    case 'Gelu': return 0.5 * v * (1 + erf(v / Math.SQRT2));
    case 'GeluTanh': return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    case 'Elu': return v >= 0 ? v : a * Math.expm1(v);
    case 'Selu': return b * (v > 0 ? v : a * Math.expm1(v));
    case 'Softplus': return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    case 'Sqrt': return Math.sqrt(v);
    case 'Exp': return Math.exp(v);
    case 'Log': return Math.log(v);
    case 'Reciprocal': return 1 / v;
    case 'Neg': return -v;
    case 'Abs': return Math.abs(v);
    case 'Floor': return Math.floor(v);
    case 'Ceil': return Math.ceil(v);
  }
}

export function unaryRef(op: UnaryOp, x: ArrayLike<number>, a = 0, b = 0): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = apply(op, x[i], a, b);
  return y;
}
