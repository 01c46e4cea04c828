// Ranges from a histogram, as onnxruntime's calibrate.py finds them: the percentile method (on a
// histogram of |x|) and the entropy method's KL-divergence threshold search (on a histogram of x).
// Both clip the range to the observed [min, max].

/** The first index whose cumulative share reaches q (numpy.searchsorted on the CDF); bins when none does. */
function searchCdf(hist: ArrayLike<number>, total: number, q: number): number {
  let cum = 0;
  for (let i = 0; i < hist.length; i++) {
    cum += hist[i];
    if (cum / total >= q) return i;
  }
  return hist.length;
}

function clip(lo: number, hi: number, min: number, max: number): [number, number] {
  return [Math.fround(lo < min ? min : lo), Math.fround(hi > max ? max : hi)];
}

/**
 * ORT's symmetric percentile: hist counts |x| over [0, top] in equal bins; the threshold t is the
 * lower edge of the bin where the CDF reaches percentile/100; the range [−t, t] clipped to [min, max].
 * (ORT's |x| histogram starts at min|x| rather than 0; for activations the two agree.)
 */
export function percentileRange(hist: ArrayLike<number>, top: number, percentile: number, min: number, max: number): [number, number] {
  if (!(percentile >= 0 && percentile <= 100)) throw new Error(`percentile must be in [0, 100], got ${percentile}`);
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  const t = Math.fround((top * searchCdf(hist, total, percentile / 100)) / hist.length);
  return clip(-t, t, min, max);
}

const EPS = 1e-4;

/**
 * KL(p‖q) of ORT's get_entropy_threshold for the window [start, end) of hist with Q quantized bins:
 * p = the window with the outside counts added to its end bins; q = the window merged into Q groups
 * of m = ⌊len/Q⌋ bins (the remainder counted in the last) and spread back, truncated to an integer,
 * over every bin of the group when the group has non-zero p (the remainder bins get 0); both
 * smoothed (zeros → 1e-4, taken off the non-zeros). q is constant per group, so the log q terms
 * are summed per group and only non-zero p bins take a log each.
 */
function windowKl(hist: ArrayLike<number>, prefix: Float64Array, nz: Int32Array, start: number, end: number, qb: number): number {
  const len = end - start;
  const m = Math.floor(len / qb);
  const total = prefix[hist.length];
  const last = end - 1;
  const p0 = hist[start] + prefix[start];
  const pLast = hist[last] + total - prefix[end];
  const fix = (j: number, pj: number, a: number, b: number) => (j >= a && j < b ? +(pj !== 0) - +(hist[j] !== 0) : 0);
  const nnz = (a: number, b: number) => nz[b] - nz[a] + fix(start, p0, a, b) + fix(last, pLast, a, b);
  const mass = (a: number, b: number) => prefix[b] - prefix[a] + (a === start ? prefix[start] : 0) + (b === end ? total - prefix[end] : 0);
  const nnzP = nnz(start, end);
  if (nnzP === 0) return Infinity;
  const e1p = (EPS * (len - nnzP)) / nnzP;
  const smoothedP = (a: number, b: number) => {
    const k = nnz(a, b);
    return mass(a, b) - e1p * k + EPS * (b - a - k);
  };
  const qv = new Float64Array(qb);
  let zerosQ = len - qb * m;
  for (let g = 0; g < qb; g++) {
    const a = start + g * m;
    const merged = prefix[a + m] - prefix[a] + (g === qb - 1 ? prefix[end] - prefix[start + qb * m] : 0);
    const k = nnz(a, a + m);
    qv[g] = k !== 0 ? Math.trunc(merged / k) : 0;
    if (qv[g] === 0) zerosQ += m;
  }
  if (zerosQ === len) return Infinity;
  const e1q = (EPS * zerosQ) / (len - zerosQ);
  const smoothedQ = (v: number) => (v === 0 ? EPS : v - e1q);
  const sumP = smoothedP(start, end);
  let sumQ = (len - qb * m) * EPS;
  for (let g = 0; g < qb; g++) sumQ += m * smoothedQ(qv[g]);
  // Σ p'·(log p' − log q'), then KL = that / Σp' + log(Σq' / Σp')
  let acc = (len - nnzP) * EPS * Math.log(EPS);
  for (let j = start; j < end; j++) {
    const v = j === start ? p0 : j === last ? pLast : hist[j];
    if (v !== 0) acc += (v - e1p) * Math.log(v - e1p);
  }
  for (let g = 0; g < qb; g++) acc -= smoothedP(start + g * m, start + (g + 1) * m) * Math.log(smoothedQ(qv[g]));
  if (qb * m < len) acc -= smoothedP(start + qb * m, end) * Math.log(EPS);
  return acc / sumP + Math.log(sumQ / sumP);
}

/** Index of the smallest value, the first one when several agree to 1e-9 (float noise is no preference). */
export function firstMin(values: ArrayLike<number>): number {
  let min = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] < min) min = values[i];
  if (min === Infinity) return 0;
  const tol = 1e-9 * Math.abs(min) + 1e-12;
  for (let i = 0; i < values.length; i++) if (values[i] <= min + tol) return i;
  return 0;
}

/**
 * ORT's entropy calibration: hist counts x over [lo, hi] (ORT: [−T, T], T = max|x|); windows
 * [zero − i, zero + i + 1) around the middle bin for i = Q/2 .. B/2; the window of least KL
 * divergence gives the range (its edges), clipped to [min, max].
 */
export function entropyRange(hist: ArrayLike<number>, lo: number, hi: number, quantizedBins: number, min: number, max: number): [number, number] {
  const bins = hist.length;
  const zero = Math.floor(bins / 2);
  const half = Math.floor(quantizedBins / 2);
  if (half < 1 || half > zero) throw new Error(`entropy: ${quantizedBins} quantized bins do not fit ${bins} histogram bins`);
  const prefix = new Float64Array(bins + 1);
  const nz = new Int32Array(bins + 1);
  for (let i = 0; i < bins; i++) {
    prefix[i + 1] = prefix[i] + hist[i];
    nz[i + 1] = nz[i] + (hist[i] !== 0 ? 1 : 0);
  }
  const kl = new Float64Array(zero - half + 1);
  for (let i = half; i <= zero; i++) kl[i - half] = windowKl(hist, prefix, nz, zero - i, Math.min(zero + i + 1, bins), quantizedBins);
  const i = half + firstMin(kl);
  const edge = (j: number) => lo + ((hi - lo) * j) / bins;
  return clip(edge(zero - i), edge(Math.min(zero + i + 1, bins)), min, max);
}
