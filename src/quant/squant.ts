// SQuant (DESIGN.md §7): data-free rounding of every calibrated weight layer on the GPU (E → K → C,
// src/gpu/kernels/squant.ts) on the grid calibration chose; the codes replace the nearest ones.
import type { Session } from '../engine/session';
import type { Gpu } from '../gpu/gpu';
import { StudioError } from '../engine/errors';
import { readCodes, squant, squantInput, type SquantShape, type SquantStages } from '../gpu/kernels/squant';
import { tensorFloat32 } from '../onnx/dtype';
import { transposeRef } from '../ref/transpose';
import { applyState, throwIfCancelled } from './calibrate';
import { layerName, place } from './placement';
import type { QuantState, WeightQuant } from './types';

/** What SQuant did to one layer. */
export interface SquantLayer {
  node: string;
  /** Submission to completion of its two dispatches (upload of v included), ms. */
  ms: number;
  /** Weights whose code differs from round to nearest. */
  moved: number;
  weights: number;
}

export interface SquantResult {
  state: QuantState;
  layers: SquantLayer[];
  /** Σ of the layers' GPU time, ms. */
  ms: number;
}

/**
 * A weight as SQuant sees it, output channels first: [O, I, kH, kW] → [O, I, kH·kW] (any conv rank),
 * [O, I] (Gemm transB) → [O, I, 1]; channels on axis 1 (MatMul and Gemm [K, N], ConvTranspose
 * [I, O/g, k…]) swap the first two axes first. `back` puts codes in that layout back into the weight's.
 */
export function squantLayout(w: Float32Array, dims: number[], outAxis: number): { rows: Float32Array; shape: SquantShape; back: (codes: Int32Array) => Int32Array } {
  const ksize = dims.slice(2).reduce((a, b) => a * b, 1);
  if (outAxis === 0) return { rows: w, shape: { channels: dims[0], kernels: dims[1] ?? 1, ksize }, back: (c) => c };
  if (outAxis !== 1 || dims.length < 2) throw new Error(`SQuant: weight [${dims}] with output channels on axis ${outAxis}`);
  const perm = dims.map((_, k) => (k < 2 ? 1 - k : k));
  const swapped = perm.map((k) => dims[k]);
  const rows = Float32Array.from(transposeRef(w, dims, perm).data);
  const back = (c: Int32Array) => Int32Array.from(transposeRef(c, swapped, perm).data);
  return { rows, shape: { channels: dims[1], kernels: dims[0], ksize }, back };
}

/** SQuant codes of float weight w with the scales, zero points and grid of its calibrated quantizer. */
export async function squantLayer(gpu: Gpu, w: Float32Array, wq: WeightQuant, outAxis: number, stages: SquantStages = {}): Promise<{ codes: Int32Array; ms: number }> {
  if (wq.levels) throw new StudioError('bad-input', `SQuant rounds on a uniform grid; layer "${wq.node}" has APoT levels`);
  const { rows, shape, back } = squantLayout(w, wq.dims, outAxis);
  const v = gpu.tensor(`SQuant ${wq.node}.v`, [rows.length], squantInput(rows, shape.channels, wq.scales));
  const run = squant(gpu, v, shape, { zeroPoints: wq.zeroPoints, qmin: wq.range.qmin, qmax: wq.range.qmax }, stages, `SQuant ${wq.node}`);
  try {
    const t0 = performance.now();
    await gpu.run(run.dispatches);
    const ms = performance.now() - t0;
    return { codes: back(await readCodes(gpu, run.codes, rows.length)), ms };
  } finally {
    v.buffer.destroy();
    for (const b of run.owned) b.destroy();
  }
}

export interface SquantOptions {
  stages?: SquantStages;
  /** Read before each layer: once set, SQuant stops with a 'cancelled' StudioError and the state is left as it was. */
  signal?: { readonly cancelled: boolean };
  /** After each layer, `done` of `total` (awaited: a caller may report progress or pause here). */
  onLayer?: (done: number, total: number, layer: SquantLayer) => void | Promise<void>;
}

/** Every weight layer of the state rounded by SQuant; biases and the fake-quant graph follow (applyState). */
export async function squantWeights(session: Session, state: QuantState, opts: SquantOptions = {}): Promise<SquantResult> {
  const axisOf = new Map(place(session.graph, state.config).layers.map((l) => [layerName(l.node), l.axis]));
  const layers: SquantLayer[] = [];
  const weights: WeightQuant[] = [];
  for (const wq of state.weights) {
    throwIfCancelled(opts.signal, 'SQuant');
    const axis = axisOf.get(wq.node);
    if (axis === undefined) throw new Error(`SQuant: layer "${wq.node}" is not a weighted layer of the graph`);
    const w = tensorFloat32(session.graph.initializers.get(wq.weight)!);
    const { codes, ms } = await squantLayer(session.gpu, w, wq, axis, opts.stages);
    let moved = 0;
    for (let i = 0; i < codes.length; i++) if (codes[i] !== wq.codes[i]) moved++;
    const layer = { node: wq.node, ms, moved, weights: codes.length };
    layers.push(layer);
    weights.push({ ...wq, codes });
    await opts.onLayer?.(layers.length, state.weights.length, layer);
  }
  const next = applyState(session, { ...state, weights });
  return { state: next, layers, ms: layers.reduce((a, l) => a + l.ms, 0) };
}
