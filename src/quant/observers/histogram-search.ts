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

/** x·log x of the smoothed non-zero p values (v − e1p), v a count. */
const plogp = (v: number, e: number) => (v !== 0 ? (v - e) * Math.log(v - e) : 0);

/**
 * The windows of ORT's search grow by a bin on each side; this keeps, for the current window, how
 * many of its bins hold each distinct non-zero count, so Σ (v − e)·log(v − e) over the window costs
 * one term per distinct count (weights' sparse histograms have a handful) instead of one per bin.
 */
class WindowCounts {
  private readonly values: number[];
  private readonly index = new Map<number, number>();
  private readonly tally: Int32Array;
  private start = 0;
  private end = 0;

  constructor(private readonly hist: ArrayLike<number>) {
    for (let j = 0; j < hist.length; j++) if (hist[j] !== 0 && !this.index.has(hist[j])) this.index.set(hist[j], this.index.size);
    this.values = [...this.index.keys()];
    this.tally = new Int32Array(this.values.length);
  }

  /** Σ plogp over [start, end), a window containing the previous one. */
  sum(start: number, end: number, e: number): number {
    const { hist, tally, index } = this;
    if (this.end === 0) [this.start, this.end] = [start, start];
    for (; this.start > start; ) if (hist[--this.start] !== 0) tally[index.get(hist[this.start])!]++;
    for (; this.end < end; this.end++) if (hist[this.end] !== 0) tally[index.get(hist[this.end])!]++;
    let acc = 0;
    if (this.values.length < end - start) {
      for (let d = 0; d < tally.length; d++) if (tally[d] !== 0) acc += tally[d] * plogp(this.values[d], e);
    } else {
      for (let j = start; j < end; j++) acc += plogp(hist[j], e);
    }
    return acc;
  }
}

/**
 * KL(p‖q) of ORT's get_entropy_threshold for the window [start, end) of hist with Q quantized bins:
 * p = the window with the outside counts added to its end bins; q = the window merged into Q groups
 * of m = ⌊len/Q⌋ bins (the remainder counted in the last) and spread back, truncated to an integer,
 * over every bin of the group when the group has non-zero p (the remainder bins get 0); both
 * smoothed (zeros → 1e-4, taken off the non-zeros). q is constant per group, so the log q terms
 * are summed per group; the p log p terms come from `counts`.
 */
function windowKl(hist: ArrayLike<number>, prefix: Float64Array, nz: Int32Array, counts: WindowCounts, start: number, end: number, qb: number): number {
  const len = end - start;
  const m = Math.floor(len / qb);
  const total = prefix[hist.length];
  const last = end - 1;
  const p0 = hist[start] + prefix[start];
  const pLast = hist[last] + total - prefix[end];
  // non-zero bins of p per group: the counts' (nz) corrected where an end bin became (non-)zero
  const fixStart = +(p0 !== 0) - +(hist[start] !== 0);
  const fixLast = +(pLast !== 0) - +(hist[last] !== 0);
  const lastGroup = Math.floor((last - start) / m); // ≥ qb: in the remainder
  const nnzP = nz[end] - nz[start] + fixStart + fixLast;
  if (nnzP === 0) return Infinity;
  const e1p = (EPS * (len - nnzP)) / nnzP;
  if (scratch.q.length < qb) scratch = { ...scratch, q: new Float64Array(qb), k: new Int32Array(qb) };
  const { q: qv, k: kp } = scratch;
  let zerosQ = len - qb * m;
  for (let g = 0, a = start; g < qb; g++, a += m) {
    const merged = prefix[a + m] - prefix[a] + (g === qb - 1 ? prefix[end] - prefix[start + qb * m] : 0);
    const k = nz[a + m] - nz[a] + (g === 0 ? fixStart : 0) + (g === lastGroup ? fixLast : 0);
    kp[g] = k;
    qv[g] = k !== 0 ? Math.trunc(merged / k) : 0;
    if (qv[g] === 0) zerosQ += m;
  }
  if (zerosQ === len) return Infinity;
  const e1q = (EPS * zerosQ) / (len - zerosQ);
  // Σ of smoothed p over [a, b) with k non-zero bins (the outside counts sit in the end bins)
  const smoothedP = (a: number, b: number, k: number) => prefix[b] - prefix[a] - e1p * k + EPS * (b - a - k);
  const outside = prefix[start] + total - prefix[end];
  const sumP = smoothedP(start, end, nnzP) + outside;
  // Σ p'·(log p' − log q'), then KL = that / Σp' + log(Σq' / Σp')
  let acc = (len - nnzP) * EPS * Math.log(EPS);
  acc += counts.sum(start, end, e1p) - plogp(hist[start], e1p) - plogp(hist[last], e1p) + plogp(p0, e1p) + plogp(pLast, e1p);
  let sumQ = (len - qb * m) * EPS;
  // a sparse histogram's groups share a few small q (0, 1, 2, …): one log per distinct small q
  const stamp = ++scratch.window;
  for (let g = 0, a = start; g < qb; g++, a += m) {
    const q = qv[g];
    const sq = q === 0 ? EPS : q - e1q;
    let logQ: number;
    if (q < SMALL_Q) {
      if (scratch.stamp[q] !== stamp) [scratch.stamp[q], scratch.log[q]] = [stamp, Math.log(sq)];
      logQ = scratch.log[q];
    } else {
      logQ = Math.log(sq);
    }
    sumQ += m * sq;
    acc -= (smoothedP(a, a + m, kp[g]) + (g === 0 ? prefix[start] : 0) + (a + m === end ? total - prefix[end] : 0)) * logQ;
  }
  if (qb * m < len) {
    const r = start + qb * m;
    acc -= (smoothedP(r, end, nz[end] - nz[r] + (lastGroup >= qb ? fixLast : 0)) + total - prefix[end]) * Math.log(EPS);
  }
  return acc / sumP + Math.log(sumQ / sumP);
}

/** q values below this get their log cached per window. */
const SMALL_Q = 64;
/** windowKl's per-group scratch (grown as needed) and its per-window cache of log q′ for small q. */
let scratch = { q: new Float64Array(0), k: new Int32Array(0), window: 0, stamp: new Int32Array(SMALL_Q), log: new Float64Array(SMALL_Q) };

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
  const counts = new WindowCounts(hist);
  for (let i = half; i <= zero; i++) kl[i - half] = windowKl(hist, prefix, nz, counts, zero - i, Math.min(zero + i + 1, bins), quantizedBins);
  const i = half + firstMin(kl);
  const edge = (j: number) => lo + ((hi - lo) * j) / bins;
  return clip(edge(zero - i), edge(Math.min(zero + i + 1, bins)), min, max);
}
