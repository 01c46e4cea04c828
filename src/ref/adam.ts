// Float64 reference of one Adam step as PyTorch's torch.optim.Adam (src/gpu/kernels/adam.ts).
import type { AdamOptions } from '../gpu/kernels/adam';

export interface AdamStepValues {
  lr: number;
  bc1: number;
  bc2: number;
}

/** In place: param[k·stride], m[k], v[k] for k < n. */
export function adamRef(param: Float64Array, grad: ArrayLike<number>, m: Float64Array, v: Float64Array, n: number, o: AdamOptions, s: AdamStepValues): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const stride = o.stride ?? 1;
  for (let k = 0; k < n; k++) {
    const g = grad[k];
    m[k] += (1 - b1) * (g - m[k]);
    v[k] = b2 * v[k] + (1 - b2) * g * g;
    let p = param[k * stride] - (s.lr / s.bc1) * m[k] / (Math.sqrt(v[k]) / Math.sqrt(s.bc2) + eps);
    if (o.positive) p = Math.max(Math.abs(p), o.positive.eps);
    param[k * stride] = p;
  }
}
