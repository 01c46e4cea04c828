// Float64 reference of AdaRound's soft/hard weight and its backward (src/gpu/kernels/adaround.ts).
import { channelLayout, GAMMA, ZETA, type AdaroundWeight } from '../gpu/kernels/adaround';

export function sigmoidRef(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** h(V) = clamp(σ(V)(ζ − γ) + γ, 0, 1). */
export function rectSigmoidRef(v: number): number {
  return Math.min(Math.max(sigmoidRef(v) * (ZETA - GAMMA) + GAMMA, 0), 1);
}


/**
 * W̃ = s·(clamp(wFloor + h + z, qmin, qmax) − z), the product rounded to float32 as the GPU's
 * (round32 = false: exact float64, for finite differences).
 */
export function adaroundSoftRef(wFloor: ArrayLike<number>, v: ArrayLike<number>, p: AdaroundWeight, hard = false, round32 = true): Float64Array {
  const { n, inner, channels } = channelLayout(p.dims, p.axis);
  const { qmin, qmax } = p.range;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % channels;
    const s = Math.fround(p.scales[c]);
    const z = p.zeroPoints[c];
    const h = hard ? (v[i] >= 0 ? 1 : 0) : rectSigmoidRef(v[i]);
    const y = (Math.min(Math.max(wFloor[i] + z + h, qmin), qmax) - z) * s;
    w[i] = round32 ? Math.fround(y) : y;
  }
  return w;
}

/** λ·Σ(1 − |2h − 1|^β). */
export function adaroundRegRef(v: ArrayLike<number>, beta: number, lambda: number): number {
  let r = 0;
  for (let i = 0; i < v.length; i++) r += 1 - Math.abs(2 * rectSigmoidRef(v[i]) - 1) ** beta;
  return lambda * r;
}

/**
 * dV of L = Σ dW·W̃ + λ·Σ(1 − |2h − 1|^β): h' = σ(1 − σ)(ζ − γ) strictly inside the clamp of h
 * (0 elsewhere), the weight clamp passing where qmin ≤ wFloor + z ≤ qmax − 1 (wFloor + z + h
 * strictly inside (qmin, qmax) for 0 < h < 1).
 */
export function adaroundBackwardRef(dW: ArrayLike<number>, wFloor: ArrayLike<number>, v: ArrayLike<number>, p: AdaroundWeight, beta: number, lambda: number): { dV: Float64Array; reg: number } {
  const { n, inner, channels } = channelLayout(p.dims, p.axis);
  const { qmin, qmax } = p.range;
  const dV = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % channels;
    const sig = sigmoidRef(v[i]);
    const t = sig * (ZETA - GAMMA) + GAMMA;
    if (!(t > 0 && t < 1)) continue;
    const b = wFloor[i] + p.zeroPoints[c];
    let g = b >= qmin && b <= qmax - 1 ? dW[i] * Math.fround(p.scales[c]) : 0;
    const a = 2 * t - 1;
    g -= lambda * 2 * beta * Math.sign(a) * Math.abs(a) ** (beta - 1);
    dV[i] = g * sig * (1 - sig) * (ZETA - GAMMA);
  }
  return { dV, reg: adaroundRegRef(v, beta, lambda) };
}
