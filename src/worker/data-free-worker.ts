// The worker's data-free quantization (DESIGN.md §7): weight grids from the weights, activation
// ranges from SQuant's noise pass (src/quant/data-free.ts), then SQuant's flips layer by layer on
// the GPU (src/quant/squant.ts) with its time per layer, cancellable between layers.
import { StudioError, isStudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import type { Graph } from '../graph/ir';
import type { HostTensor } from '../engine/types';
import { tensorFloat32 } from '../onnx/dtype';
import { rand01 } from '../ref/rng';
import { dequantize } from '../quant/apply';
import { calibrateDataFree, lastInput8bit, NOISE_IMAGES } from '../quant/data-free';
import { place } from '../quant/placement';
import { sqnrDb } from '../quant/report';
import { squantWeights } from '../quant/squant';
import type { QuantConfig, QuantState } from '../quant/types';
import { fixedBatch, runBatchSize } from './batches';
import { calibSource } from './calib-source';
import type { DataFreeProgress, DataFreeRequest, DataFreeResult } from './data-free-api';
import type { QuantLayerRow } from './quant-api';

/** The configuration a data-free run uses: SQuant's per-channel MinMax uniform grid; the last layer's input 8-bit unless the first/last policy already says so. */
export function dataFreeConfig(g: Graph, panel: QuantConfig, rounding: DataFreeRequest['rounding']): QuantConfig {
  if (rounding === 'squant' && panel.wLevels === 'apot') {
    throw new StudioError('bad-input', 'SQuant rounds on the uniform grid: set Weight levels to uniform, or choose nearest rounding for data-free APoT weights.');
  }
  const { wLevels: _levels, ...uniform } = panel;
  const base: QuantConfig = rounding === 'squant' ? { ...uniform, wObserver: 'minmax', wGranularity: 'channel' } : panel;
  return lastInput8bit(g, base);
}

/** Each weight layer's SQNR (dB) against its float weights, by node name. */
export function weightSqnrs(s: Session, state: QuantState): Record<string, number> {
  return Object.fromEntries(state.weights.map((w) => [w.node, sqnrDb(tensorFloat32(s.graph.initializers.get(w.weight)!), dequantize(w))]));
}

/** The report's input: the first readable batch of the sample images, else a batch of uniform noise (what the ranges came from). */
async function reportSample(s: Session, req: DataFreeRequest): Promise<{ x: HostTensor; source: 'images' | 'noise' }> {
  const input = s.summary.inputs[0];
  if (req.sample?.length) {
    const src = calibSource(req.sample, req.preset, runBatchSize(input.shape, req.batchSize), fixedBatch(input.shape));
    for await (const x of src.batches()) return { x, source: 'images' };
  }
  const shape = s.inputShapeOf(input.name, fixedBatch(input.shape) || 8);
  const n = shape.reduce((a, b) => a * b, 1);
  return { x: { data: Float32Array.from({ length: n }, (_, i) => rand01(0x5eed, 1, 0, i)), shape }, source: 'noise' };
}

type Rows = (state: QuantState, sample: HostTensor) => Promise<QuantLayerRow[]>;

/**
 * Quantize with no data. Returns the new state (null when cancelled: the caller restores the previous
 * one) and the page's result with the per-layer table (`rowsOf`) carrying SQuant's time per layer.
 */
export async function runDataFree(
  s: Session,
  req: DataFreeRequest,
  signal: { readonly cancelled: boolean },
  onProgress: (p: DataFreeProgress) => void,
  rowsOf: Rows,
): Promise<{ state: QuantState | null; result: DataFreeResult }> {
  const t0 = performance.now();
  const config = dataFreeConfig(s.graph, req.config, req.rounding);
  const placement = place(s.graph, config);
  const layers = placement.layers.filter((l) => !l.float);
  const squant = req.rounding === 'squant';
  const extra = (squant ? layers.length : 0) + 1;
  const base = { ms: 0, images: 0, failed: [], rows: [], config, noiseImages: NOISE_IMAGES, squantMs: null, sampleSource: 'noise' as const };
  let total = NOISE_IMAGES + layers.length + extra;
  try {
    let state = await calibrateDataFree(s, config, {
      batch: req.batchSize,
      signal,
      onProgress: (p) => onProgress({ phase: p.phase, done: p.done, total: (total = p.total + extra) }),
    });
    const done = total - extra;
    const sq = squant ? await squantWeights(s, state, { signal, onLayer: (i) => onProgress({ phase: 'squant', done: done + i, total }) }) : null;
    if (sq) state = sq.state;
    const timing = new Map(sq?.layers.map((l) => [l.node, l]));
    const sample = await reportSample(s, req);
    const rows = (await rowsOf(state, sample.x)).map((r) => {
      const t = timing.get(r.name);
      return t ? { ...r, squantMs: t.ms, squantMoved: t.moved } : r;
    });
    onProgress({ phase: 'report', done: total, total });
    return { state, result: { ...base, cancelled: false, ms: performance.now() - t0, rows, squantMs: sq?.ms ?? null, sampleSource: sample.source } };
  } catch (e) {
    if (isStudioError(e) && e.code === 'cancelled') return { state: null, result: { ...base, cancelled: true, ms: performance.now() - t0 } };
    throw e;
  }
}
