// The MSE observer of activations in one pass over the calibration set: per batch the running
// min/max (shaders/minmax.wgsl) and a power-of-two histogram per sign (shaders/pow2-histogram*.wgsl,
// 2^16 bins up to the largest magnitude); after the pass the search of mse-search.ts scores every
// candidate of DESIGN.md §2 on the bin centres. Values move by at most half a bin, 2^−16 of the
// largest magnitude (the tests bound the effect on the chosen candidate's error).
import type { Dispatch, Gpu, GpuTensor } from '../../gpu/gpu';
import { minmax, minmaxState, readMinmax } from '../../gpu/kernels/minmax';
import { pow2Histogram, pow2HistogramState, readPow2Points, type Pow2HistogramState } from '../../gpu/kernels/pow2-histogram';
import { numel } from '../../gpu/kernels/layout';
import type { QRange } from '../types';
import { mseSearch } from './mse-search';
import type { ObservedRange } from './row-observer';

export class MseObserver {
  readonly passes = 1;
  private readonly mm: GPUBuffer;
  private readonly hist: Pow2HistogramState;
  private readonly records = new Map<GPUBuffer, Map<number, Dispatch[]>>();
  /** Buffers of the recorded dispatches (their uniforms). */
  private readonly owned: GPUBuffer[] = [];
  private results?: ObservedRange[];

  constructor(
    private readonly gpu: Gpu,
    readonly range: QRange,
    readonly rows: number,
    private readonly label = 'mse',
  ) {
    this.mm = minmaxState(gpu, label, rows);
    this.hist = pow2HistogramState(gpu, label, rows);
  }

  /** The dispatches adding x (viewed as [rows, numel/rows]); built once per (buffer, size). */
  observe(pass: number, x: GpuTensor): Dispatch[] {
    if (pass !== 0) throw new Error(`observer ${this.label}: no pass ${pass} (1 pass)`);
    const n = numel(x.shape);
    if (n === 0) return [];
    if (n % this.rows !== 0) throw new Error(`observer ${this.label}: ${n} values do not split into ${this.rows} rows`);
    let bySize = this.records.get(x.buffer);
    if (!bySize) this.records.set(x.buffer, (bySize = new Map()));
    let d = bySize.get(n);
    if (!d) {
      d = [minmax(this.gpu, x, this.rows, this.mm, `${this.label}.minmax`, this.owned), ...pow2Histogram(this.gpu, x, this.mm, this.hist, `${this.label}.pow2-histogram`, this.owned)];
      bySize.set(n, d);
    }
    return d;
  }

  async endPass(pass: number): Promise<void> {
    if (pass !== 0) throw new Error(`observer ${this.label}: endPass(${pass}) out of order`);
    const { min, max } = await readMinmax(this.gpu, this.mm, this.rows);
    const empty = min.findIndex((v, r) => !(v <= max[r]));
    if (empty >= 0) throw new Error(`observer ${this.label}: row ${empty} saw no values in pass 0`);
    const points = await readPow2Points(this.gpu, this.hist);
    this.results = await mseSearch(this.gpu, points.map((p, r) => ({ min: min[r], max: max[r], ...p })), this.range, this.label);
  }

  async result(): Promise<ObservedRange[]> {
    if (!this.results) throw new Error(`observer ${this.label}: result() before endPass(0)`);
    return this.results;
  }

  destroy(): void {
    for (const b of [this.mm, this.hist.exps, this.hist.hist, ...this.owned]) b.destroy();
    this.owned.length = 0;
    this.records.clear();
  }
}
