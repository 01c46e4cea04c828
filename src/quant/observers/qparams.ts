// Scale and zero point from a range (QDrop/MQBench calculate_qparams) and the candidate ranges of
// the MSE observer's search (DESIGN.md §2: 1-D over thresholds, 2-D over ranges × zero points).
import { roundHalfEven, type QRange } from '../../ref/round';

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

/** The shape of the search for data in [min, max]: `steps` ranges, each with `perStep` zero points (2-D) or one (1-D). */
export interface MseGrid {
  twoD: boolean;
  steps: number;
  perStep: number;
  count: number;
}

export function mseGrid(min: number, max: number, range: QRange, steps = MSE_STEPS): MseGrid {
  const twoD = !(min >= 0) && !(max <= 0) && !range.signed; // as mseCandidateRange branches
  const perStep = twoD ? range.qmax - range.qmin + 1 : 1;
  return { twoD, steps, perStep, count: steps * perStep };
}

/**
 * The candidate range [lo, hi] of step i (1..steps) and zero point zp (2-D only) of QDrop's search for
 * data in [min, max]. One-sided data (min ≥ 0 or max ≤ 0) or a symmetric grid: thres_i =
 * max(|min|, max)·i/100, ranges [0, t], [−t, 0] or [−t, t]. Otherwise every r_i = (max − min)·i/100 with
 * every zero point zp of the grid: [−zp·Δ, r_i − zp·Δ], Δ = r_i/(qmax − qmin). Search order: i, then zp.
 */
export function mseCandidateRange(min: number, max: number, range: QRange, i: number, zp = range.qmin, steps = MSE_STEPS): [number, number] {
  const pos = min >= 0;
  const neg = !pos && max <= 0;
  if (pos || neg || range.signed) {
    const t = (Math.max(Math.abs(min), max) * i) / steps;
    return [pos ? 0 : -t, neg ? 0 : t];
  }
  const r = ((max - min) * i) / steps;
  const delta = r / (range.qmax - range.qmin);
  return [-zp * delta, r - zp * delta];
}

/** Every candidate of the search (mseCandidateRange, in search order) with its scale and zero point. */
export function mseCandidates(min: number, max: number, range: QRange, steps = MSE_STEPS): Candidates {
  const { twoD, count, perStep } = mseGrid(min, max, range, steps);
  const c: Candidates = {
    count,
    twoD,
    lo: new Float64Array(count),
    hi: new Float64Array(count),
    scale: new Float32Array(count),
    zeroPoint: new Int32Array(count),
  };
  let k = 0;
  for (let i = 1; i <= steps; i++) {
    for (let zp = range.qmin; zp < range.qmin + perStep; zp++, k++) {
      const [lo, hi] = mseCandidateRange(min, max, range, i, zp, steps);
      const p = qparams(lo, hi, range);
      c.lo[k] = lo;
      c.hi[k] = hi;
      c.scale[k] = p.scale;
      c.zeroPoint[k] = p.zeroPoint;
    }
  }
  return c;
}
