// Test-only quantization fixtures: a float64 min/max quantizer that builds a QuantState, and a
// float reference model (dequantized weights, Div→Round→Add→Clip→Sub→Mul fake-quant) for onnxruntime.
import * as ort from 'onnxruntime-node';
import type { Graph, Model, Node } from '../graph/ir';
import { defaultOpset } from '../graph/ir';
import { upgradeOpset } from '../graph/opset-upgrade';
import { DT, makeTensor, tensorValues } from '../onnx/dtype';
import { writeModel } from '../onnx/write';
import { DEFAULT_CONFIG, qrange, roundHalfEven, type ActQuant, type QRange, type QuantState, type WeightQuant } from '../quant/types';

export interface Scheme {
  wBits: number;
  aBits: number;
  wSigned: boolean;
  aSigned: boolean;
}

export type Feeds = Record<string, { data: Float32Array; shape: number[] }>;

/** Scale and zero point of a min/max range (widened to hold 0); the scale is float32. */
export function qparams(lo: number, hi: number, r: QRange): { scale: number; zeroPoint: number } {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (r.signed) return { scale: Math.fround(Math.max(-lo, hi) / r.qmax || 1), zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / (r.qmax - r.qmin) || 1);
  return { scale, zeroPoint: Math.min(Math.max(roundHalfEven(r.qmin - lo / scale), r.qmin), r.qmax) };
}

const quantize = (x: number, s: number, z: number, r: QRange) => Math.min(Math.max(roundHalfEven(x / s) + z, r.qmin), r.qmax);

/** Per-channel weights of every Conv/Gemm/MatMul with an initializer weight (per tensor where `perTensor` names the node). */
export function quantizeWeights(g: Graph, bits: number, signed: boolean, perTensor: string[] = []): WeightQuant[] {
  const out: WeightQuant[] = [];
  for (const n of g.nodes) {
    const t = g.initializers.get(n.inputs[1]);
    if (!['Conv', 'Gemm', 'MatMul'].includes(n.opType) || !t || t.dataType !== DT.FLOAT) continue;
    const transB = n.attrs.transB?.type === 'int' && n.attrs.transB.value === 1;
    const axis = perTensor.includes(n.name) ? -1 : n.opType === 'Conv' || transB ? 0 : t.dims.length - 1;
    const range = qrange(bits, signed);
    const v = tensorValues(t);
    const C = axis < 0 ? 1 : t.dims[axis];
    const inner = axis < 0 ? v.length : t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const channel = (i: number) => (axis < 0 ? 0 : Math.floor(i / inner) % C);
    const lo = new Float64Array(C).fill(Infinity);
    const hi = new Float64Array(C).fill(-Infinity);
    v.forEach((x, i) => ((lo[channel(i)] = Math.min(lo[channel(i)], x)), (hi[channel(i)] = Math.max(hi[channel(i)], x))));
    const p = [...lo].map((l, c) => qparams(l, hi[c], range));
    const codes = Int32Array.from(v, (x, i) => quantize(x, p[channel(i)].scale, p[channel(i)].zeroPoint, range));
    out.push({ node: n.name, weight: n.inputs[1], dims: t.dims, range, axis, scales: Float32Array.from(p, (q) => q.scale), zeroPoints: Int32Array.from(p, (q) => q.zeroPoint), codes });
  }
  return out;
}

/** Float values of `tensors` on `feeds`, from onnxruntime running the float prepared graph. */
export async function ortValues(model: Model, g: Graph, tensors: string[], feeds: Feeds): Promise<Record<string, Float32Array>> {
  const outputs = [...g.outputs, ...tensors.filter((t) => !g.outputs.some((o) => o.name === t)).map((name) => ({ name, dataType: DT.FLOAT }))];
  const bytes = writeModel({ ...model, irVersion: Math.max(model.irVersion, 7), graph: { ...g, outputs } });
  return ortRun(bytes, feeds);
}

export async function ortRun(bytes: Uint8Array, feeds: Feeds, options: ort.InferenceSession.SessionOptions = {}): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, ...options });
  const res = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor('float32', f.data, f.shape)])));
  await s.release();
  return Object.fromEntries(Object.entries(res).map(([k, t]) => [k, t.data as Float32Array]));
}

/** A QuantState: weights as above, activations per tensor from their min/max on `feeds`. */
export async function minMaxState(model: Model, g: Graph, scheme: Scheme, actTensors: string[], feeds: Feeds, perTensor: string[] = []): Promise<QuantState> {
  const values = await ortValues(model, g, actTensors, feeds);
  const acts: ActQuant[] = actTensors.map((tensor) => {
    const range = qrange(scheme.aBits, scheme.aSigned);
    const v = values[tensor];
    return { tensor, range, ...qparams(v.reduce((a, b) => Math.min(a, b)), v.reduce((a, b) => Math.max(a, b)), range) };
  });
  return { config: { ...DEFAULT_CONFIG, wBits: scheme.wBits, aBits: scheme.aBits }, weights: quantizeWeights(g, scheme.wBits, scheme.wSigned, perTensor), acts };
}

/**
 * `g` with each quantized Conv/Gemm bias moved onto the int32 grid of step s_x·s_w, computed as
 * onnxruntime's WeightBiasQuantization does (float32 Mul, Div, Round half to even, then DQ).
 */
export function snapBiases(g: Graph, state: QuantState): Graph {
  const out = { ...g, initializers: new Map(g.initializers) };
  for (const n of g.nodes) {
    const w = state.weights.find((q) => q.node === n.name);
    const a = state.acts.find((q) => q.tensor === n.inputs[0]);
    const b = n.inputs[2] && g.initializers.get(n.inputs[2]);
    if (!w || !a || !b) continue;
    const snapped = tensorValues(b).map((v, c) => {
      const step = Math.fround(Math.fround(a.scale) * w.scales[w.scales.length > 1 ? c : 0]);
      return Math.fround(roundHalfEven(Math.fround(v / step)) * step);
    });
    out.initializers.set(b.name, makeTensor(b.name, DT.FLOAT, b.dims, snapped));
  }
  return out;
}

/** The first input of every Conv/Gemm/MatMul that is not a graph input (the test placement). */
export function layerInputs(g: Graph): string[] {
  const inputs = new Set(g.inputs.map((v) => v.name));
  const ts = g.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.opType)).map((n) => n.inputs[0]);
  return [...new Set(ts)].filter((t) => !inputs.has(t));
}

/** The fake-quant network as a float model at opset ≥ 13, written without Q/DQ. */
export function fakeQuantModel(model: Model, prepared: Graph, state: QuantState): Uint8Array {
  const from = defaultOpset(model);
  const opset = Math.max(from, 13);
  const g = upgradeOpset(prepared, from, opset);
  for (const w of state.weights) {
    const inner = w.axis < 0 ? w.codes.length : w.dims.slice(w.axis + 1).reduce((a, b) => a * b, 1);
    const c = (i: number) => (w.axis < 0 ? 0 : Math.floor(i / inner) % w.scales.length);
    g.initializers.set(w.weight, makeTensor(w.weight, DT.FLOAT, w.dims, Float32Array.from(w.codes, (q, i) => (q - w.zeroPoints[c(i)]) * w.scales[c(i)])));
  }
  const head: Node[] = [];
  const after = new Map<Node, Node[]>();
  for (const a of state.acts) {
    const t = a.tensor;
    const producer = g.nodes.find((n) => n.outputs.includes(t));
    let src = t;
    let dst = t;
    if (producer) producer.outputs = producer.outputs.map((o) => (o === t ? (src = `${t}__float`) : o));
    else {
      dst = `${t}__fq`;
      for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === t ? dst : i));
    }
    const k = (s: string, v: number) => (g.initializers.set(`${t}__${s}`, makeTensor(`${t}__${s}`, DT.FLOAT, [], [v])), `${t}__${s}`);
    const op = (opType: string, inputs: string[], out: string): Node => ({ name: `${t}__${opType}`, opType, domain: '', inputs, outputs: [out], attrs: {} });
    const chain = [
      op('Div', [src, k('s', a.scale)], `${t}__d`),
      op('Round', [`${t}__d`], `${t}__r`),
      op('Add', [`${t}__r`, k('z', a.zeroPoint)], `${t}__q`),
      op('Clip', [`${t}__q`, k('lo', a.range.qmin), k('hi', a.range.qmax)], `${t}__c`),
      op('Sub', [`${t}__c`, `${t}__z`], `${t}__u`),
      op('Mul', [`${t}__u`, `${t}__s`], dst),
    ];
    if (producer) after.set(producer, chain);
    else head.push(...chain);
  }
  const nodes = [...head, ...g.nodes.flatMap((n) => [n, ...(after.get(n) ?? [])])];
  const opsets = [...model.opsets.filter((o) => o.domain !== '' && o.domain !== 'ai.onnx'), { domain: '', version: opset }];
  return writeModel({ ...model, irVersion: Math.max(model.irVersion, 7), opsets, graph: { ...g, nodes } });
}
