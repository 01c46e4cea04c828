// The calibration state machine of the MinMax, Percentile and Entropy observers (activations and
// weights): per-row statistics of a [rows, cols] view on the GPU, pass 0 = running min/max, pass 1
// (percentile, entropy) = a histogram over pass 0's ranges, then scale/zero point per row. The MSE
// observer is mse-observer.ts (one pass).
import type { Dispatch, Gpu, GpuTensor } from '../../gpu/gpu';
import { minmax, minmaxState, readMinmax } from '../../gpu/kernels/minmax';
import { histogram, histogramParams, histogramState, readHistogram } from '../../gpu/kernels/histogram';
import { numel } from '../../gpu/kernels/layout';
import type { ObserverKind, QRange } from '../types';
import { qparams } from './qparams';
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

const PASSES: Record<Exclude<ObserverKind, 'mse'>, number> = { minmax: 1, percentile: 2, entropy: 2 };

interface Second {
  lo: number[];
  hi: number[];
  bins: number;
  abs: boolean;
  params: GPUBuffer;
  hist: GPUBuffer;
}

export class RowObserver {
  readonly passes: number;
  private readonly label: string;
  private readonly mm: GPUBuffer;
  private readonly owned: GPUBuffer[] = [];
  private readonly records = new Map<GPUBuffer, Map<string, Dispatch[]>>();
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
    if (kind === 'mse') throw new Error('the MSE observer is MseObserver (mse-observer.ts)');
    this.passes = PASSES[kind as Exclude<ObserverKind, 'mse'>];
    this.label = opts.label ?? kind;
    this.mm = this.own(minmaxState(gpu, this.label, rows));
  }

  /** The dispatches that add x (viewed as [rows, numel/rows]) to pass `pass`; built once per (pass, buffer, size). */
  observe(pass: number, x: GpuTensor): Dispatch[] {
    if (!(pass >= 0 && pass < this.passes)) throw new Error(`observer ${this.label}: no pass ${pass} (${this.passes} passes)`);
    const n = numel(x.shape);
    if (n === 0) return [];
    if (n % this.rows !== 0) throw new Error(`observer ${this.label}: ${n} values do not split into ${this.rows} rows`);
    let byKey = this.records.get(x.buffer);
    if (!byKey) this.records.set(x.buffer, (byKey = new Map()));
    const key = `${pass}:${n}`;
    let d = byKey.get(key);
    if (!d) byKey.set(key, (d = this.build(pass, x)));
    return d;
  }

  private build(pass: number, x: GpuTensor): Dispatch[] {
    const label = `${this.label}.pass${pass}`;
    if (pass === 0) return [minmax(this.gpu, x, this.rows, this.mm, label, this.owned)];
    const s = this.second;
    if (!s) throw new Error(`observer ${this.label}: pass 1 needs endPass(0) first`);
    return [histogram(this.gpu, x, this.rows, s.params, s.hist, s.bins, s.abs, label, this.owned)];
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
    const bins = this.opts.bins ?? DEFAULT_BINS;
    const abs = this.kind === 'percentile';
    const top = Array.from(min, (lo, r) => Math.max(Math.abs(lo), Math.abs(max[r])));
    const lo = top.map((t) => (abs ? 0 : -t));
    const params = this.own(gpu.buffer(`${label}.hist-params`, rows * 8));
    gpu.write(params, histogramParams(lo, top, bins));
    return { lo, hi: top, bins, abs, params, hist: this.own(histogramState(gpu, label, rows, bins)) };
  }

  private async finish(s: Second, min: Float32Array, max: Float32Array): Promise<ObservedRange[]> {
    const { gpu, rows, range } = this;
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
