// Float64 reference of AdaRound between neighbouring levels of a non-uniform grid (APoT):
// W̃ = s·(lo + h(V)·gap), its backward and the initialisation (src/gpu/kernels/adaround.ts, levels variant).
import { channelLayout, GAMMA, ZETA } from '../gpu/kernels/adaround';
import { adaroundRegRef, rectSigmoidRef, sigmoidRef } from './adaround';
import { apotNeighbours } from './apot';

export interface LevelsWeight {
  dims: readonly number[];
  axis: number;
  scales: ArrayLike<number>;
}

/** W̃ = s·(lo + h·gap), h = h(V) or 1[V ≥ 0] (hard); rounded to float32 unless round32 is false. */
export function levelsSoftRef(lo: ArrayLike<number>, gap: ArrayLike<number>, v: ArrayLike<number>, p: LevelsWeight, hard = false, round32 = true): Float64Array {
  const { n, inner, channels } = channelLayout(p.dims, p.axis);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.fround(p.scales[Math.floor(i / inner) % channels]);
    const h = hard ? (v[i] >= 0 ? 1 : 0) : rectSigmoidRef(v[i]);
    const y = (lo[i] + h * gap[i]) * s;
    w[i] = round32 ? Math.fround(y) : y;
  }
  return w;
}

/** dV of L = Σ dW·W̃ + λ·Σ(1 − |2h − 1|^β): (dW·s·gap + λ·∂r/∂h)·h'(V), h' = 0 outside the clamp of h. */
export function levelsBackwardRef(dW: ArrayLike<number>, gap: ArrayLike<number>, v: ArrayLike<number>, p: LevelsWeight, beta: number, lambda: number): { dV: Float64Array; reg: number } {
  const { n, inner, channels } = channelLayout(p.dims, p.axis);
  const dV = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sig = sigmoidRef(v[i]);
    const t = sig * (ZETA - GAMMA) + GAMMA;
    if (!(t > 0 && t < 1)) continue;
    const a = 2 * t - 1;
    const g = dW[i] * Math.fround(p.scales[Math.floor(i / inner) % channels]) * gap[i] - lambda * 2 * beta * Math.sign(a) * Math.abs(a) ** (beta - 1);
    dV[i] = g * sig * (1 - sig) * (ZETA - GAMMA);
  }
  return { dV, reg: adaroundRegRef(v, beta, lambda) };
}

/** lo, gap and rest = (W/s − lo)/gap per element (W/s in float32; rest 0 where gap = 0), from the ref's neighbours. */
export function levelsInitRef(w: ArrayLike<number>, p: LevelsWeight, levels: ArrayLike<number>): { lo: Float64Array; gap: Float64Array; rest: Float64Array } {
  const { n, inner, channels } = channelLayout(p.dims, p.axis);
  const [lo, gap, rest] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    const c = Math.fround(w[i] / Math.fround(p.scales[Math.floor(i / inner) % channels]));
    const [a, b] = apotNeighbours(c, levels);
    [lo[i], gap[i], rest[i]] = [a, b - a, b > a ? (c - a) / (b - a) : 0];
  }
  return { lo, gap, rest };
}
