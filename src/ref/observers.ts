// Float64 references of the calibration observers end to end: given all the calibration data of
// each row, the scale and zero point each kind returns. Written from DESIGN.md §2, QDrop's
// MSEObserver and onnxruntime's calibrate.py (the entropy search is a literal port), independently
// of src/quant/observers; histograms use the GPU's documented f32 bin arithmetic (binOf).
import { roundHalfEven, type QRange } from './round';
import { histogramRef, lpError, minmaxRef } from './observer-kernels';

/** The observer kinds referenced here (quant/types' ObserverKind: the same names). */
export type ObserverKind = 'minmax' | 'mse' | 'percentile' | 'entropy';

export interface RefOptions {
  percentile: number;
  bins: number;
  quantizedBins: number;
}

export interface RefRange {
  scale: number;
  zeroPoint: number;
  min: number;
  max: number;
  /** MSE: Σ|x − Q(x)|^2.4 of the chosen candidate. */
  score?: number;
}

const EPS = 2 ** -23;

export function qparamsRef(lo: number, hi: number, r: QRange): { scale: number; zeroPoint: number } {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  if (r.signed) return { scale: Math.max(Math.fround((2 * Math.max(-a, b)) / (r.qmax - r.qmin)), EPS), zeroPoint: 0 };
  const scale = Math.max(Math.fround((b - a) / (r.qmax - r.qmin)), EPS);
  return { scale, zeroPoint: Math.min(r.qmax, Math.max(r.qmin, r.qmin - roundHalfEven(a / scale))) + 0 };
}

/** Σ|x − Q(x)|^2.4 over xs for one (scale, zero point). */
export function lpScoreRef(xs: ArrayLike<number>, scale: number, zp: number, r: QRange): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += lpError(xs[i], scale, zp, r.qmin, r.qmax, 2.4);
  return s;
}

function mseRef(xs: ArrayLike<number>, min: number, max: number, r: QRange): RefRange {
  let best: RefRange | undefined;
  const tryRange = (lo: number, hi: number) => {
    const q = qparamsRef(lo, hi, r);
    const score = lpScoreRef(xs, q.scale, q.zeroPoint, r);
    if (!best || score < best.score!) best = { ...q, min: lo, max: hi, score };
  };
  const oneSided = min >= 0 || max <= 0;
  for (let i = 1; i <= 100; i++) {
    if (oneSided || r.signed) {
      const t = (Math.max(Math.abs(min), max) * i) / 100;
      tryRange(min >= 0 ? 0 : -t, min < 0 && max <= 0 ? 0 : t);
    } else {
      const ri = ((max - min) * i) / 100;
      const delta = ri / (r.qmax - r.qmin);
      for (let zp = r.qmin; zp <= r.qmax; zp++) tryRange(-zp * delta, ri - zp * delta);
    }
  }
  return best!;
}

function percentileRef(h: Uint32Array, top: number, p: number): number {
  let total = 0;
  for (const c of h) total += c;
  let cum = 0;
  for (let i = 0; i < h.length; i++) {
    cum += h[i];
    if (cum / total >= p / 100) return (top * i) / h.length;
  }
  return top;
}

function smooth(p: Float64Array): Float64Array | undefined {
  const zeros = p.filter((v) => v === 0).length;
  if (zeros === p.length) return undefined;
  const e1 = (1e-4 * zeros) / (p.length - zeros);
  return p.map((v) => (v === 0 ? 1e-4 : v - e1));
}

function klRef(p: Float64Array, q: Float64Array): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] / sp) * Math.log(p[i] / sp / (q[i] / sq));
  return s;
}

/** get_entropy_threshold of onnxruntime's calibrate.py, line by line: the [lo, hi] bin window indices. */
export function entropyWindowRef(hist: Uint32Array, qb: number): [number, number] {
  const bins = hist.length;
  const zero = Math.floor(bins / 2);
  const half = Math.floor(qb / 2);
  const kl: number[] = [];
  const windows: [number, number][] = [];
  const sum = (a: number, b: number) => hist.slice(a, b).reduce((x, y) => x + y, 0);
  for (let i = half; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(zero + i + 1, bins);
    windows.push([start, end]);
    const sliced = Float64Array.from(hist.slice(start, end));
    const p = sliced.slice();
    p[0] += sum(0, start);
    p[p.length - 1] += sum(end, bins);
    const m = Math.floor(sliced.length / qb);
    const quantized = new Float64Array(qb);
    for (let j = 0; j < qb; j++) for (let t = j * m; t < (j + 1) * m; t++) quantized[j] += sliced[t];
    for (let t = qb * m; t < sliced.length; t++) quantized[qb - 1] += sliced[t];
    const q = new Float64Array(p.length);
    for (let j = 0; j < qb; j++) {
      let norm = 0;
      for (let t = j * m; t < (j + 1) * m; t++) norm += p[t] !== 0 ? 1 : 0;
      if (norm !== 0) q.fill(Math.trunc(quantized[j] / norm), j * m, (j + 1) * m);
    }
    const ps = smooth(p);
    const qs = smooth(q);
    kl.push(ps && qs ? klRef(ps, qs) : Infinity);
  }
  const min = Math.min(...kl);
  const best = min === Infinity ? 0 : kl.findIndex((v) => v <= min + 1e-9 * Math.abs(min) + 1e-12);
  return windows[best];
}

/** What each observer kind returns for every row of data viewed as [rows, data.length/rows]. */
export function observerRef(kind: ObserverKind, data: Float32Array, rows: number, r: QRange, o: RefOptions): RefRange[] {
  const cols = data.length / rows;
  const { min, max } = minmaxRef(data, rows);
  const out: RefRange[] = [];
  for (let row = 0; row < rows; row++) {
    const xs = data.subarray(row * cols, (row + 1) * cols);
    const [mn, mx] = [min[row], max[row]];
    const clip = (lo: number, hi: number): RefRange => {
      const [a, b] = [Math.fround(Math.max(lo, mn)), Math.fround(Math.min(hi, mx))];
      return { ...qparamsRef(a, b, r), min: a, max: b };
    };
    const top = Math.max(Math.abs(mn), Math.abs(mx));
    if (kind === 'minmax') out.push({ ...qparamsRef(mn, mx, r), min: mn, max: mx });
    else if (kind === 'mse') out.push(mseRef(xs, mn, mx, r));
    else if (kind === 'percentile') {
      const t = Math.fround(percentileRef(histogramRef(xs, 1, [0], [top], o.bins, true), top, o.percentile));
      out.push(clip(-t, t));
    } else {
      const [s, e] = entropyWindowRef(histogramRef(xs, 1, [-top], [top], o.bins, false), o.quantizedBins);
      out.push(clip(-top + (2 * top * s) / o.bins, -top + (2 * top * e) / o.bins));
    }
  }
  return out;
}
