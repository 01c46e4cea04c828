// Scale and zero point from a range (QDrop/MQBench calculate_qparams) and the candidate ranges of
// the MSE observer's search (DESIGN.md §2: 1-D over thresholds, 2-D over ranges × zero points).
import { roundHalfEven, type QRange } from '../types';

/** Smallest scale (MQBench: torch.finfo(float32).eps), so a constant-zero tensor still gets a valid one. */
export const EPS = 2 ** -23;
/** Candidates per search axis (QDrop's MSEObserver `num`). */
export const MSE_STEPS = 100;

export interface QParams {
  scale: number;
  zeroPoint: number;
}

/**
 * The range widened to include 0; symmetric (signed grid): scale = max(|lo|, |hi|)/((qmax − qmin)/2),
 * zero point 0; asymmetric: scale = (hi − lo)/(qmax − qmin), zp = clamp(qmin − round(lo/scale)).
 * Scales are float32 and at least EPS.
 */
export function qparams(lo: number, hi: number, range: QRange): QParams {
  const minNeg = Math.min(lo, 0);
  const maxPos = Math.max(hi, 0);
  if (range.signed) {
    const amax = Math.max(-minNeg, maxPos);
    return { scale: Math.max(Math.fround(amax / ((range.qmax - range.qmin) / 2)), EPS), zeroPoint: 0 };
  }
  const scale = Math.max(Math.fround((maxPos - minNeg) / (range.qmax - range.qmin)), EPS);
  const zp = range.qmin - roundHalfEven(minNeg / scale);
  return { scale, zeroPoint: Math.min(Math.max(zp, range.qmin), range.qmax) + 0 };
}

/** Candidate ranges [lo, hi] with their scale and zero point, in search order. */
export interface Candidates {
  count: number;
  twoD: boolean;
  lo: Float64Array;
  hi: Float64Array;
  scale: Float32Array;
  zeroPoint: Int32Array;
}

/**
 * QDrop's search space for data in [min, max]. One-sided data (min ≥ 0 or max ≤ 0) or a symmetric
 * grid: thres_i = max(|min|, max)·i/100, ranges [0, t], [−t, 0] or [−t, t]. Otherwise every
 * r_i = (max − min)·i/100 with every zero point zp of the grid: [−zp·Δ, r_i − zp·Δ], Δ = r_i/(qmax − qmin).
 */
export function mseCandidates(min: number, max: number, range: QRange, steps = MSE_STEPS): Candidates {
  const pos = min >= 0;
  const neg = !pos && max <= 0;
  const twoD = !pos && !neg && !range.signed;
  const levels = range.qmax - range.qmin;
  const count = twoD ? steps * (levels + 1) : steps;
  const c: Candidates = {
    count,
    twoD,
    lo: new Float64Array(count),
    hi: new Float64Array(count),
    scale: new Float32Array(count),
    zeroPoint: new Int32Array(count),
  };
  let k = 0;
  const push = (lo: number, hi: number) => {
    const p = qparams(lo, hi, range);
    c.lo[k] = lo;
    c.hi[k] = hi;
    c.scale[k] = p.scale;
    c.zeroPoint[k++] = p.zeroPoint;
  };
  for (let i = 1; i <= steps; i++) {
    if (!twoD) {
      const t = (Math.max(Math.abs(min), max) * i) / steps;
      push(pos ? 0 : -t, neg ? 0 : t);
      continue;
    }
    const r = ((max - min) * i) / steps;
    const delta = r / levels;
    for (let zp = range.qmin; zp <= range.qmax; zp++) push(-zp * delta, r - zp * delta);
  }
  return c;
}
