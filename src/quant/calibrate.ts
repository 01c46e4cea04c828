// Calibration (DESIGN.md §2): weight ranges per layer from the weights themselves, activation
// ranges from the float model over the calibration images, streamed batch by batch so memory
// stays bounded; multi-pass observers (range, then histogram or MSE) see the set once per pass.
import type { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import { StudioError } from '../engine/errors';
import { tensorFloat32 } from '../onnx/dtype';
import { transposeRef } from '../ref/transpose';
import { createActObserver, observeWeights } from './observers';
import { layerName, place, type Placement, type WeightedLayer } from './placement';
import { passesThrough } from './placement-why';
import { exactSumGraph, quantizeBias, quantizeCodes, quantizedGraph } from './apply';
import { apotWeightBits, apotWeightQuant } from './apot-weights';
import { qrange, type ActQuant, type QuantConfig, type QuantState, type WeightQuant } from './types';

export interface CalibrationProgress {
  phase: 'weights' | 'activations';
  /** Steps done and total steps of all phases (layers + batches × passes). */
  done: number;
  total: number;
  pass?: number;
}

export interface CalibrateOptions {
  /** Batches of preprocessed calibration images (called once per observer pass). */
  batches: () => AsyncIterable<HostTensor> | Iterable<HostTensor>;
  /** Number of batches one pass yields (for progress). */
  batchCount: number;
  onProgress?: (p: CalibrationProgress) => void;
  signal?: { cancelled: boolean };
}

export async function quantizeLayer(session: Session, l: WeightedLayer, config: QuantConfig): Promise<WeightQuant> {
  const t = session.graph.initializers.get(l.weight)!;
  const w = tensorFloat32(t);
  const range = qrange(l.wBits, config.wSymmetric);
  const perChannel = config.wGranularity === 'channel';
  // observers take rows on axis 0: move the channel axis first when it is not
  // (axis 1: MatMul/Gemm [K, N], ConvTranspose [C_in, C_out/g, k…]; swap the first two axes)
  const perm = l.dims.map((_, k) => (k < 2 ? 1 - k : k));
  const rows = l.axis === 0 ? w : Float32Array.from(transposeRef(w, l.dims, perm).data);
  const rowDims = l.axis === 0 ? l.dims : perm.map((k) => l.dims[k]);
  if (config.wLevels === 'apot' && apotWeightBits(l.wBits)) {
    const axis = perChannel ? l.axis : -1;
    return { node: layerName(l.node), weight: l.weight, dims: l.dims, axis, ...(await apotWeightQuant(session.gpu, w, rows, rowDims, l.dims, axis, l.wBits, l.weight)) };
  }
  const { scales, zeroPoints } = await observeWeights(session.gpu, config.wObserver, rows, rowDims, range, perChannel, { percentile: config.percentile, label: l.weight });
  const axis = perChannel ? l.axis : -1;
  return { node: layerName(l.node), weight: l.weight, dims: l.dims, range, axis, scales, zeroPoints, codes: quantizeCodes(w, l.dims, axis, range, scales, zeroPoints) };
}

/** Throws StudioError 'cancelled' once the signal is set: long jobs read it between steps. */
export function throwIfCancelled(signal: { readonly cancelled: boolean } | undefined, what = 'calibration'): void {
  if (signal?.cancelled) throw new StudioError('cancelled', `${what} was cancelled`);
}

/** Calibration's first phase: each layer's weights quantized in turn, cancellable between layers; `onLayer(done)` after each. */
export async function quantizeWeights(session: Session, layers: WeightedLayer[], config: QuantConfig, signal: { readonly cancelled: boolean } | undefined, onLayer: (done: number) => void): Promise<WeightQuant[]> {
  const weights: WeightQuant[] = [];
  for (const l of layers) {
    throwIfCancelled(signal);
    weights.push(await quantizeLayer(session, l, config));
    onLayer(weights.length);
  }
  return weights;
}

export async function calibrate(session: Session, config: QuantConfig, opts: CalibrateOptions): Promise<QuantState> {
  const placement: Placement = place(session.graph, config);
  const layers = placement.layers.filter((l) => !l.float);
  const observers = placement.acts.map((a) => createActObserver(session.gpu, config.aObserver, qrange(a.bits, config.aSymmetric), { percentile: config.percentile, label: a.tensor }));
  // The observers' GPU state (histograms, uniforms) goes when calibration ends, however it ends.
  try {
    const passes = Math.max(0, ...observers.map((o) => o.passes));
    const total = layers.length + passes * opts.batchCount;
    let done = 0;
    const tick = (phase: CalibrationProgress['phase'], pass?: number) => opts.onProgress?.({ phase, done: ++done, total, pass });
    const weights = await quantizeWeights(session, layers, config, opts.signal, () => tick('weights'));

    const input = session.graph.inputs[0].name;
    const tensors = placement.acts.map((a) => a.tensor);
    for (let pass = 0; pass < passes; pass++) {
      const record = (kept: Map<string, import('../gpu/gpu').GpuTensor>) =>
        placement.acts.flatMap((a, i) => (pass < observers[i].passes ? observers[i].observe(pass, kept.get(a.tensor)!) : []));
      // activation ranges from the first config.calibCount images (DESIGN.md §2: ~256 for ranges,
      // while a reconstruction may train on more of the same batches)
      let seen = 0;
      let images = 0;
      const fixedBatch = typeof session.graph.inputs[0].shape?.[0] === 'number'; // a fixed batch is never cut
      for await (const batch of opts.batches()) {
        throwIfCancelled(opts.signal);
        const n = batch.shape[0] ?? 1;
        const take = Math.min(n, config.calibCount - images);
        if (take <= 0) break;
        await session.observe({ [input]: take < n && !fixedBatch ? firstImages(batch, take) : batch }, tensors, record);
        images += take;
        seen++;
        tick('activations', pass);
      }
      if (seen === 0) throw new StudioError('bad-input', 'no calibration images: choose at least one image');
      for (let i = 0; i < observers.length; i++) if (pass < observers[i].passes) await observers[i].endPass(pass);
    }
    const acts: ActQuant[] = [];
    for (let i = 0; i < observers.length; i++) {
      const r = await observers[i].result();
      const a = placement.acts[i];
      if (!(Number.isFinite(r.scale) && r.scale > 0 && Number.isFinite(r.zeroPoint))) throw nonFinite(session, a.tensor, r.scale);
      acts.push({ tensor: a.tensor, range: qrange(a.bits, config.aSymmetric), scale: r.scale, zeroPoint: r.zeroPoint });
    }
    const state: QuantState = { config, weights, acts, biases: biasesOf(session, layers, weights, acts) };
    setQuantGraphs(session, state);
    return state;
  } finally {
    for (const o of observers) o.destroy();
  }
}

/** The first n images of a batch [N, …]. */
function firstImages(batch: HostTensor, n: number): HostTensor {
  const per = batch.data.length / batch.shape[0];
  return { ...batch, data: batch.data.subarray(0, n * per), shape: [n, ...batch.shape.slice(1)] };
}

/** A NaN or infinite activation range: the model computes NaN/Inf there; the message names the layer. */
function nonFinite(session: Session, tensor: string, scale: number): StudioError {
  const n = session.graph.nodes.find((x) => x.outputs.includes(tensor));
  const where = n ? `the output of ${n.opType} "${n.name}"` : 'the model input';
  return new StudioError('bad-input', `"${session.fileName}": calibration stopped at "${tensor}", ${where}: its range came out as scale ${scale}, so the model computes NaN or infinite values there on the calibration images. Check the preprocessing (a std of 0 divides by zero) and the layers before it, then calibrate again.`, session.fileName);
}

/** The session's fake-quantized graph (reconstruction's) and the exact-sum one it evaluates with. */
export function setQuantGraphs(session: Session, state: QuantState): void {
  const qg = quantizedGraph(session.graph, state);
  session.setQuant(qg, () => exactSumGraph(qg, state));
}

/** Recompute the int32 biases after weights or activation scales changed (reconstruction), and set the fake-quant graph. */
export function applyState(session: Session, state: QuantState): QuantState {
  const layers = place(session.graph, state.config).layers.filter((l) => !l.float);
  const next = { ...state, biases: biasesOf(session, layers, state.weights, state.acts) };
  setQuantGraphs(session, next);
  return next;
}

/** Biases of layers that read a quantized activation directly go on the int32 grid s_x·s_w. */
export function biasesOf(session: Session, layers: WeightedLayer[], weights: WeightQuant[], acts: ActQuant[]) {
  const actScale = new Map(acts.map((a) => [a.tensor, a.scale]));
  const g = session.graph;
  const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  /** The quantized activation a layer reads, directly or through ops that move values (Reshape, Transpose, MaxPool…), as placement finds it. */
  const inputScale = (t: string): number | undefined => {
    while (!actScale.has(t) && producer.get(t) && passesThrough(producer.get(t)!, g)) t = producer.get(t)!.inputs[0];
    return actScale.get(t);
  };
  return layers.flatMap((l, i) => {
    // (onnxruntime moves DequantizeLinear through such ops and puts a float bias on s_x·s_w itself: ShuffleNetV2's channel shuffle)
    const s = inputScale(l.node.inputs[0]);
    const bias = l.node.inputs[2] ? session.graph.initializers.get(l.node.inputs[2]) : undefined;
    // (a grouped ConvTranspose has C_out/group weight scales for C_out biases: its bias stays float)
    if (s === undefined || !bias || bias.dims.length !== 1 || ![1, bias.dims[0]].includes(weights[i].scales.length)) return [];
    return [quantizeBias(layerName(l.node), l.node.inputs[2], tensorFloat32(bias), s, weights[i].scales)];
  });
}
