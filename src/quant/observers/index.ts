// Calibration observers (DESIGN.md §2): MinMax, MSE (QDrop's search), Percentile and Entropy (as
// onnxruntime's calibrate.py), for activations per tensor and weights per channel or per tensor.
import type { Dispatch, Gpu, GpuTensor } from '../../gpu/gpu';
import { numel } from '../../gpu/kernels/layout';
import { POW2_BINS_LOG2, pow2Points } from '../../gpu/kernels/pow2-histogram';
import type { ObserverKind, QRange } from '../types';
import { MseObserver } from './mse-observer';
import { mseSearch, type MseRow } from './mse-search';
import { RowObserver, type ObservedRange, type ObserverOptions } from './row-observer';

export { DEFAULT_BINS, DEFAULT_PERCENTILE, defaultQuantizedBins, type ObservedRange, type ObserverOptions } from './row-observer';
export { EPS, MSE_STEPS, mseCandidates, qparams, type Candidates, type QParams } from './qparams';
export { entropyRange, percentileRange } from './histogram-search';

/**
 * An activation observer (per tensor). The calibration driver runs the calibration set `passes`
 * times, records observe(pass, x) after each batch's forward pass, awaits endPass(pass) after
 * every pass, then result().
 */
export interface ActObserver {
  /** How many times the driver must run the calibration set through observe(). */
  passes: number;
  /** Dispatches adding x to pass `pass`; cached per (pass, x.buffer, size), so a batch loop builds nothing. */
  observe(pass: number, x: GpuTensor): Dispatch[];
  /** After the last batch of a pass (reads the GPU state back). */
  endPass(pass: number): Promise<void>;
  result(): Promise<ObservedRange>;
  /** Frees the observer's GPU buffers. */
  destroy(): void;
}

export function createActObserver(gpu: Gpu, kind: ObserverKind, range: QRange, opts: ObserverOptions = {}): ActObserver {
  const o = kind === 'mse' ? new MseObserver(gpu, range, 1, opts.label ?? kind) : new RowObserver(gpu, kind, range, 1, opts);
  return {
    passes: o.passes,
    observe: (pass, x) => o.observe(pass, x),
    endPass: (pass) => o.endPass(pass),
    result: async () => (await o.result())[0],
    destroy: () => o.destroy(),
  };
}

/** Rows longer than this are searched on a power-of-two histogram (the shortlist still on the values). */
const EXACT_POINTS = 1 << 16;

/** One weight row for the MSE search: its range and sorted nonzero values (or their histogram). */
function weightRow(v: Float32Array, what: string): MseRow {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < v.length; i++) {
    if (v[i] < min) min = v[i];
    if (v[i] > max) max = v[i];
  }
  if (!(min <= max)) throw new Error(`observer ${what}: no values to observe`);
  if (v.length <= EXACT_POINTS) return { min, max, xs: v.filter((x) => x !== 0 && !Number.isNaN(x)).sort() };
  const bins = 2 ** POW2_BINS_LOG2;
  const hist = new Uint32Array(2 * bins);
  const exp = (m: number) => (m > 0 && Number.isFinite(m) ? Math.floor(Math.log2(m)) + 1 - POW2_BINS_LOG2 : 0);
  const [ePos, eNeg] = [exp(max), exp(-min)];
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === 0 || !Number.isFinite(x)) continue;
    const e = x > 0 ? ePos : eNeg;
    hist[(x > 0 ? 0 : bins) + Math.min(Math.floor(Math.abs(x) * 2 ** -e), bins - 1)]++;
  }
  return { min, max, ...pow2Points(hist, ePos, eNeg, bins), exact: v };
}

/** Weight rows per block of the GPU observers (MinMax, Percentile, Entropy). */
const BLOCK_ROWS = 4096;

/**
 * Scale and zero point per output channel (rows on axis 0) or per tensor. MSE searches on the host
 * and GPU together (mse-search.ts); the other kinds run the activation observers' kernels on blocks of rows.
 */
export async function observeWeights(
  gpu: Gpu,
  kind: ObserverKind,
  w: Float32Array,
  dims: number[],
  range: QRange,
  perChannel: boolean,
  opts: ObserverOptions = {},
): Promise<{ scales: Float32Array; zeroPoints: Int32Array }> {
  const n = numel(dims);
  if (w.length !== n || n === 0) throw new Error(`observeWeights: ${w.length} values for dims [${dims.join(', ')}]`);
  const rows = perChannel ? dims[0] : 1;
  const cols = n / rows;
  const scales = new Float32Array(rows);
  const zeroPoints = new Int32Array(rows);
  const label = opts.label ?? 'weights';
  const keep = (r0: number) => (q: ObservedRange, i: number) => {
    scales[r0 + i] = q.scale;
    zeroPoints[r0 + i] = q.zeroPoint;
  };
  if (kind === 'mse') {
    const data = Array.from({ length: rows }, (_, r) => weightRow(w.subarray(r * cols, (r + 1) * cols), `${label} row ${r}`));
    (await mseSearch(gpu, data, range, label)).forEach(keep(0));
    return { scales, zeroPoints };
  }
  // blocks small enough to bind (AlexNet's fc6: 4096 rows of 9216 are 151 MB; bindings stop at 128 MiB here)
  const block = Math.max(1, Math.min(BLOCK_ROWS, Math.floor(gpu.device.limits.maxStorageBufferBindingSize / (4 * cols))));
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    const o = new RowObserver(gpu, kind, range, r1 - r0, { ...opts, label });
    const x = gpu.tensor(`${label}.rows`, [r1 - r0, cols], w.subarray(r0 * cols, r1 * cols));
    try {
      for (let pass = 0; pass < o.passes; pass++) {
        await gpu.run(o.observe(pass, x));
        await o.endPass(pass);
      }
      (await o.result()).forEach(keep(r0));
    } finally {
      x.buffer.destroy();
      o.destroy();
    }
  }
  return { scales, zeroPoints };
}
