// The calibration state machine shared by activation and weight observers: per-row statistics of
// a [rows, cols] view on the GPU, pass 0 = running min/max, pass 1 (MSE, percentile, entropy) =
// candidate scores or a histogram built from pass 0's ranges, then scale/zero point per row.
import type { Dispatch, Gpu, GpuTensor } from '../../gpu/gpu';
import { minmax, minmaxState, readMinmax } from '../../gpu/kernels/minmax';
import { histogram, histogramParams, histogramState, readHistogram } from '../../gpu/kernels/histogram';
import { mseScore, mseSplits, mseState, readMseScores } from '../../gpu/kernels/mse-score';
import { numel } from '../../gpu/kernels/layout';
import type { ObserverKind, QRange } from '../types';
import { mseCandidates, qparams, type Candidates } from './qparams';
import { entropyRange, percentileRange } from './histogram-search';

export interface ObserverOptions {
  /** Percentile observer: the percentile of |x| kept (default 99.99). */
  percentile?: number;
  /** Names the GPU buffers and dispatches. */
  label?: string;
  /** Histogram bins of the percentile and entropy observers (default 2048, at most 2048). */
  bins?: number;
  /** Entropy observer's quantized bins (default 2^(bits−1): ORT's 128 at 8 bits). */
  quantizedBins?: number;
}

/** The calibrated quantizer of one row; min/max is the range the observer chose (before widening to 0). */
export interface ObservedRange {
  scale: number;
  zeroPoint: number;
  min: number;
  max: number;
}

export const DEFAULT_PERCENTILE = 99.99;
export const DEFAULT_BINS = 2048;
export const defaultQuantizedBins = (range: QRange): number => 2 ** (range.bits - 1);

const PASSES: Record<ObserverKind, number> = { minmax: 1, mse: 2, percentile: 2, entropy: 2 };

type Second =
  | { kind: 'mse'; cands: Candidates[]; k: number; splits: number; cand: GPUBuffer; state: GPUBuffer }
  | { kind: 'hist'; lo: number[]; hi: number[]; bins: number; abs: boolean; params: GPUBuffer; hist: GPUBuffer };

export class RowObserver {
  readonly passes: number;
  private readonly label: string;
  private readonly mm: GPUBuffer;
  private readonly owned: GPUBuffer[] = [];
  private readonly records = new Map<GPUBuffer, Map<string, Dispatch[]>>();
  private cols = 0;
  private min?: Float32Array;
  private max?: Float32Array;
  private second?: Second;
  private results?: ObservedRange[];

  constructor(
    private readonly gpu: Gpu,
    readonly kind: ObserverKind,
    readonly range: QRange,
    readonly rows: number,
    private readonly opts: ObserverOptions = {},
  ) {
    this.passes = PASSES[kind];
    this.label = opts.label ?? kind;
    this.mm = this.own(minmaxState(gpu, this.label, rows));
  }

  /** The dispatches that add x (viewed as [rows, numel/rows]) to pass `pass`; built once per (pass, buffer, size). */
  observe(pass: number, x: GpuTensor): Dispatch[] {
    if (!(pass >= 0 && pass < this.passes)) throw new Error(`observer ${this.label}: no pass ${pass} (${this.passes} passes)`);
    const n = numel(x.shape);
    if (n === 0) return [];
    if (n % this.rows !== 0) throw new Error(`observer ${this.label}: ${n} values do not split into ${this.rows} rows`);
    if (pass === 0) this.cols = Math.max(this.cols, n / this.rows);
    let byKey = this.records.get(x.buffer);
    if (!byKey) this.records.set(x.buffer, (byKey = new Map()));
    const key = `${pass}:${n}`;
    let d = byKey.get(key);
    if (!d) byKey.set(key, (d = this.build(pass, x)));
    return d;
  }

  private build(pass: number, x: GpuTensor): Dispatch[] {
    const label = `${this.label}.pass${pass}`;
    if (pass === 0) return [minmax(this.gpu, x, this.rows, this.mm, label)];
    const s = this.second;
    if (!s) throw new Error(`observer ${this.label}: pass 1 needs endPass(0) first`);
    if (s.kind === 'mse') {
      const { qmin, qmax } = this.range;
      return [mseScore(this.gpu, x, { rows: this.rows, k: s.k, cand: s.cand, splits: s.splits, state: s.state, qmin, qmax }, label)];
    }
    return [histogram(this.gpu, x, this.rows, s.params, s.hist, s.bins, s.abs, label)];
  }

  async endPass(pass: number): Promise<void> {
    if (pass === 0) {
      const { min, max } = await readMinmax(this.gpu, this.mm, this.rows);
      const empty = min.findIndex((v, r) => !(v <= max[r]));
      if (empty >= 0) throw new Error(`observer ${this.label}: row ${empty} saw no values in pass 0`);
      this.min = min;
      this.max = max;
      if (this.kind === 'minmax') this.results = Array.from(min, (lo, r) => ({ ...qparams(lo, max[r], this.range), min: lo, max: max[r] }));
      else this.second = this.prepare(min, max);
    } else if (pass === 1 && this.second) {
      this.results = await this.finish(this.second, this.min!, this.max!);
    } else {
      throw new Error(`observer ${this.label}: endPass(${pass}) out of order`);
    }
  }

  private prepare(min: Float32Array, max: Float32Array): Second {
    const { gpu, rows, label } = this;
    if (this.kind === 'mse') {
      const cands = Array.from(min, (lo, r) => mseCandidates(lo, max[r], this.range));
      const k = Math.max(...cands.map((c) => c.count));
      const pairs = new Float32Array(rows * k * 2).fill(1);
      cands.forEach((c, r) => {
        for (let i = 0; i < c.count; i++) {
          pairs[2 * (r * k + i)] = c.scale[i];
          pairs[2 * (r * k + i) + 1] = c.zeroPoint[i];
        }
      });
      const cand = this.own(gpu.buffer(`${label}.candidates`, pairs.byteLength));
      gpu.write(cand, pairs);
      const splits = mseSplits(rows, k, this.cols);
      return { kind: 'mse', cands, k, splits, cand, state: this.own(mseState(gpu, label, splits, rows, k)) };
    }
    const bins = this.opts.bins ?? DEFAULT_BINS;
    const abs = this.kind === 'percentile';
    const top = Array.from(min, (lo, r) => Math.max(Math.abs(lo), Math.abs(max[r])));
    const lo = top.map((t) => (abs ? 0 : -t));
    const params = this.own(gpu.buffer(`${label}.hist-params`, rows * 8));
    gpu.write(params, histogramParams(lo, top, bins));
    return { kind: 'hist', lo, hi: top, bins, abs, params, hist: this.own(histogramState(gpu, label, rows, bins)) };
  }

  private async finish(s: Second, min: Float32Array, max: Float32Array): Promise<ObservedRange[]> {
    const { gpu, rows, range } = this;
    if (s.kind === 'mse') {
      const scores = await readMseScores(gpu, s.state, s.splits, rows, s.k);
      return s.cands.map((c, r) => {
        const i = firstIndexOfMin(scores.subarray(r * s.k, r * s.k + c.count));
        return { scale: c.scale[i], zeroPoint: c.zeroPoint[i], min: c.lo[i], max: c.hi[i] };
      });
    }
    const hist = await readHistogram(gpu, s.hist, rows, s.bins);
    return Array.from(min, (mn, r) => {
      const h = hist.subarray(r * s.bins, (r + 1) * s.bins);
      const [lo, hi] =
        this.kind === 'percentile'
          ? percentileRange(h, s.hi[r], this.opts.percentile ?? DEFAULT_PERCENTILE, mn, max[r])
          : entropyRange(h, s.lo[r], s.hi[r], this.opts.quantizedBins ?? defaultQuantizedBins(range), mn, max[r]);
      return { ...qparams(lo, hi, range), min: lo, max: hi };
    });
  }

  async result(): Promise<ObservedRange[]> {
    if (!this.results) throw new Error(`observer ${this.label}: result() before endPass of its last pass`);
    return this.results;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.records.clear();
  }

  private own(b: GPUBuffer): GPUBuffer {
    this.owned.push(b);
    return b;
  }
}

/** QDrop keeps the first candidate with a strictly smaller score: the first minimum (NaNs skipped). */
function firstIndexOfMin(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] < scores[best] || Number.isNaN(scores[best])) best = i;
  return best;
}
