// Calibration observers (DESIGN.md §2): MinMax, MSE (QDrop's search), Percentile and Entropy (as
// onnxruntime's calibrate.py), for activations per tensor and weights per channel or per tensor.
import type { Dispatch, Gpu, GpuTensor } from '../../gpu/gpu';
import { numel } from '../../gpu/kernels/layout';
import type { ObserverKind, QRange } from '../types';
import { MSE_STEPS } from './qparams';
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
  const o = new RowObserver(gpu, kind, range, 1, opts);
  return {
    passes: o.passes,
    observe: (pass, x) => o.observe(pass, x),
    endPass: (pass) => o.endPass(pass),
    result: async () => (await o.result())[0],
    destroy: () => o.destroy(),
  };
}

/** Candidate pairs per block of weight rows (2-D MSE at 8 bits: 25600 per row, so 81 rows). */
const BLOCK_CANDIDATES = 1 << 21;

/**
 * Scale and zero point per output channel (rows on axis 0) or per tensor, with the same GPU
 * kernels, in blocks of rows that keep the MSE search's candidate and score buffers small.
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
  const perRow = kind === 'mse' ? MSE_STEPS * (range.qmax - range.qmin + 1) : 1;
  const block = Math.max(1, Math.min(rows, Math.floor(BLOCK_CANDIDATES / perRow)));
  const scales = new Float32Array(rows);
  const zeroPoints = new Int32Array(rows);
  const label = opts.label ?? 'weights';
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    const o = new RowObserver(gpu, kind, range, r1 - r0, { ...opts, label });
    const x = gpu.tensor(`${label}.rows`, [r1 - r0, cols], w.subarray(r0 * cols, r1 * cols));
    try {
      for (let pass = 0; pass < o.passes; pass++) {
        await gpu.run(o.observe(pass, x));
        await o.endPass(pass);
      }
      (await o.result()).forEach((q, i) => {
        scales[r0 + i] = q.scale;
        zeroPoints[r0 + i] = q.zeroPoint;
      });
    } finally {
      x.buffer.destroy();
      o.destroy();
    }
  }
  return { scales, zeroPoints };
}
