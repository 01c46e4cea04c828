// QDQ ONNX export (../shared/DESIGN.md §9): weight codes → DequantizeLinear (APoT: the integer level
// codes, §8), activations → QuantizeLinear (→ Clip on the codes below 8 bits) → DequantizeLinear.
import type { Graph, Model, Node, Tensor } from '../graph/ir';
import { defaultOpset } from '../graph/ir';
import { upgradeOpset } from '../graph/opset-upgrade';
import { DT, makeTensor } from '../onnx/dtype';
import { writeModel } from '../onnx/write';
import type { onnx } from '../onnx/proto/onnx';
import type { ActQuant, QuantState, WeightQuant } from './types';

export interface QdqOptions {
  /** 13: int8/uint8 everywhere; 21: weights of ≤ 4 bits as int4/uint4 (IR 10). */
  opset: 13 | 21;
}

/** Smallest IR version that carries a given default-domain opset. */
function minIrVersion(opset: number): number {
  return opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : opset <= 22 ? 10 : 11;
}

const STORAGE: Record<number, [number, number]> = { [DT.INT8]: [-128, 127], [DT.UINT8]: [0, 255], [DT.INT4]: [-8, 7], [DT.UINT4]: [0, 15], [DT.INT16]: [-32768, 32767] };

function checkInts(what: string, values: ArrayLike<number>, lo: number, hi: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what}: element ${i} is ${v}, outside the integer range [${lo}, ${hi}]`);
  }
}

/**
 * The quantized model as .onnx bytes. `prepared` is normalizeGraph(model.graph); weight and tensor
 * names refer to it. Biases of layers with a quantized input are written as int32 codes
 * (state.biases, the grid onnxruntime's optimizer would otherwise impose on float biases), so
 * onnxruntime with its default options computes what the fake-quant forward computes.
 */
export function exportQdq(model: Model, prepared: Graph, state: QuantState, opts: QdqOptions): Uint8Array {
  const from = defaultOpset(model);
  const opset = Math.max(from, opts.opset);
  const g = upgradeOpset(prepared, from, opset);
  const names = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name), ...g.outputs.map((v) => v.name)]);
  for (const n of g.nodes) [n.name, ...n.inputs, ...n.outputs].forEach((s) => names.add(s));
  const fresh = (base: string) => {
    let s = base;
    for (let i = 1; names.has(s); i++) s = `${base}_${i}`;
    names.add(s);
    return s;
  };
  const init = g.initializers;
  const add = (base: string, dataType: number, dims: number[], values: ArrayLike<number>) => {
    const name = fresh(base);
    init.set(name, makeTensor(name, dataType, dims, values));
    return name;
  };

  const first: Node[] = [];
  const done = new Map<string, WeightQuant>();
  for (const w of state.weights) {
    const prev = done.get(w.weight);
    if (prev) {
      if (prev.codes.some((c, i) => c !== w.codes[i]) || prev.scales.some((s, i) => s !== w.scales[i])) throw new Error(`weight "${w.weight}" is shared by nodes "${prev.node}" and "${w.node}" with different quantization`);
      continue;
    }
    done.set(w.weight, w);
    checkWeight(w, init.get(w.weight));
    const dt = w.levels ? apotStorage(w, opts.opset) : opts.opset === 21 && w.range.bits <= 4 ? (w.range.signed ? DT.INT4 : DT.UINT4) : w.range.signed ? DT.INT8 : DT.UINT8;
    checkInts(`zero points of weight "${w.weight}"`, w.zeroPoints, ...STORAGE[dt]);
    const perAxis = w.axis >= 0;
    const q = add(`${w.weight}_quantized`, dt, w.dims, w.codes);
    const s = add(`${w.weight}_scale`, DT.FLOAT, perAxis ? [w.scales.length] : [], w.scales);
    const z = add(`${w.weight}_zero_point`, dt, perAxis ? [w.zeroPoints.length] : [], w.zeroPoints);
    init.delete(w.weight);
    first.push(dq(fresh(`${w.weight}_DequantizeLinear`), [q, s, z], w.weight, perAxis ? w.axis : undefined));
  }

  // int32 biases (zero point 0) → DequantizeLinear: onnxruntime then leaves them as they are
  for (const b of state.biases ?? []) {
    if (!init.has(b.bias)) throw new Error(`bias "${b.bias}" of node "${b.node}" is not an initializer of the prepared graph`);
    const q = add(`${b.bias}_quantized`, DT.INT32, [b.codes.length], b.codes);
    const s = add(`${b.bias}_scale`, DT.FLOAT, [b.scales.length], b.scales);
    const z = add(`${b.bias}_zero_point`, DT.INT32, [b.codes.length], new Int32Array(b.codes.length));
    init.delete(b.bias);
    first.push(dq(fresh(`${b.bias}_DequantizeLinear`), [q, s, z], b.bias, 0));
  }

  const after = new Map<Node, Node[]>();
  const outputs = new Set(g.outputs.map((o) => o.name));
  const seen = new Set<string>();
  for (const a of state.acts) {
    const t = a.tensor;
    if (seen.has(t)) throw new Error(`tensor "${t}" has two activation quantizers`);
    seen.add(t);
    const producer = g.nodes.find((n) => n.outputs.includes(t));
    if (!producer && !init.has(t) && !g.inputs.some((v) => v.name === t)) throw new Error(`activation "${t}" is not a tensor of the prepared graph`);
    let src = t;
    let dst: string;
    if (outputs.has(t)) {
      // A graph output keeps its name: the producer writes a new name and the DQ writes the original.
      if (!producer) throw new Error(`activation "${t}" is a graph output that no node produces`);
      src = fresh(`${t}_float`);
      producer.outputs = producer.outputs.map((o) => (o === t ? src : o));
      dst = t;
    } else {
      dst = fresh(`${t}_dequantized`);
      for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === t ? dst : i));
    }
    const list = producer ? (after.get(producer) ?? after.set(producer, []).get(producer)!) : first;
    list.push(...actNodes(a, src, dst, opts.opset === 21, add, fresh));
  }

  const nodes = [...first, ...g.nodes.flatMap((n) => [n, ...(after.get(n) ?? [])])];
  pruneInitializers(init, nodes, g);
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const graph: Graph = { ...g, nodes, valueInfo: g.valueInfo.filter((v) => produced.has(v.name)) };
  const isDefault = (d: string) => d === '' || d === 'ai.onnx';
  const opsets = [...model.opsets.filter((o) => !isDefault(o.domain)), { domain: '', version: opset }];
  const metadata = [...model.metadata.filter((m) => m.key !== 'quant_studio'), { key: 'quant_studio', value: `QDQ export: ${done.size} quantized weights, ${state.acts.length} quantized activations, opset ${opset}` }];
  return writeModel({ ...model, irVersion: Math.max(model.irVersion, minIrVersion(opset)), opsets, metadata, graph });
}

function dq(name: string, inputs: string[], output: string, axis?: number): Node {
  return { name, opType: 'DequantizeLinear', domain: '', inputs, outputs: [output], attrs: axis === undefined ? {} : { axis: { type: 'int', value: axis } } };
}

/**
 * Q → (Clip on the codes when bits < 8) → DQ, reading `src` and writing `dst`. With `shift`, a signed
 * grid is written as uint8 with every code and the zero point + 128: the same values, but onnxruntime
 * 1.30's optimizer (QDQ propagation, then S8→U8 at level extended) breaks int8 activations at opset 21.
 */
function actNodes(a: ActQuant, src: string, dst: string, shift: boolean, add: (base: string, dt: number, dims: number[], v: number[]) => string, fresh: (s: string) => string): Node[] {
  const t = a.tensor;
  const dt = a.range.signed && !shift ? DT.INT8 : DT.UINT8;
  const off = a.range.signed && shift ? 128 : 0;
  checkInts(`zero point of activation "${t}"`, [a.zeroPoint], ...STORAGE[a.range.signed ? DT.INT8 : DT.UINT8]);
  const s = add(`${t}_scale`, DT.FLOAT, [], [a.scale]);
  const z = add(`${t}_zero_point`, dt, [], [a.zeroPoint + off]);
  let codes = fresh(`${t}_quantized`);
  const out: Node[] = [{ name: fresh(`${t}_QuantizeLinear`), opType: 'QuantizeLinear', domain: '', inputs: [src, s, z], outputs: [codes], attrs: {} }];
  if (a.range.bits < 8) {
    const lo = add(`${t}_qmin`, dt, [], [a.range.qmin + off]);
    const hi = add(`${t}_qmax`, dt, [], [a.range.qmax + off]);
    const clipped = fresh(`${t}_clipped`);
    out.push({ name: fresh(`${t}_Clip`), opType: 'Clip', domain: '', inputs: [codes, lo, hi], outputs: [clipped], attrs: {} });
    codes = clipped;
  }
  out.push(dq(fresh(`${t}_DequantizeLinear`), [codes, s, z], dst));
  return out;
}

/**
 * APoT weights (DESIGN.md §8): the integer level codes as they are, scale α/max, zero point 0 —
 * int8 up to 6 bits (max code 100); 7-bit APoT (max code 448) as int16, which DequantizeLinear takes
 * from opset 21 (int32 would be valid at 13, but onnxruntime 1.30's QDQ fusion then builds an
 * invalid QLinearConv from it).
 */
function apotStorage(w: WeightQuant, opset: number): number {
  if (w.range.qmax <= 127) return DT.INT8;
  if (opset < 21) throw new Error(`weight "${w.weight}": ${w.range.bits}-bit APoT codes reach ±${w.range.qmax}, beyond int8; export at opset 21 (int16 codes)`);
  return DT.INT16;
}

function checkWeight(w: WeightQuant, t: Tensor | undefined): void {
  const what = `weight "${w.weight}" of node "${w.node}"`;
  if (!t) throw new Error(`${what} is not an initializer of the prepared graph`);
  if (t.dims.join() !== w.dims.join()) throw new Error(`${what}: codes have shape [${w.dims}], the initializer [${t.dims}]`);
  const n = w.dims.reduce((a, b) => a * b, 1);
  if (w.codes.length !== n) throw new Error(`${what}: ${w.codes.length} codes for shape [${w.dims}]`);
  const channels = w.axis >= 0 ? w.dims[w.axis] : 1;
  if (w.scales.length !== channels || w.zeroPoints.length !== channels) throw new Error(`${what}: ${w.scales.length} scales and ${w.zeroPoints.length} zero points for ${channels} channel(s) on axis ${w.axis}`);
  checkInts(`codes of ${what}`, w.codes, w.range.qmin, w.range.qmax);
  if (w.levels) {
    const set = new Set(w.levels);
    const off = w.codes.findIndex((c) => !set.has(Math.abs(c)));
    if (off >= 0) throw new Error(`codes of ${what}: element ${off} is ${w.codes[off]}, not in the APoT level set ±{${w.levels.join(', ')}}`);
    if (w.zeroPoints.some((z) => z !== 0)) throw new Error(`${what}: APoT weights have zero point 0`);
  }
}

/** Drop initializers no node (or nested subgraph) reads, e.g. the float weights BN folding replaced. */
function pruneInitializers(init: Map<string, Tensor>, nodes: Node[], g: Graph): void {
  const used = new Set(g.outputs.map((o) => o.name));
  const visit = (sub: onnx.IGraphProto | null | undefined) => {
    for (const n of sub?.node ?? []) {
      for (const i of n.input ?? []) used.add(i);
      for (const a of n.attribute ?? []) [a.g, ...(a.graphs ?? [])].forEach(visit);
    }
  };
  for (const n of nodes) {
    n.inputs.forEach((i) => used.add(i));
    for (const a of Object.values(n.attrs)) if (a.type === 'proto') [a.value.g, ...(a.value.graphs ?? [])].forEach(visit);
  }
  for (const name of [...init.keys()]) if (!used.has(name)) init.delete(name);
}

/** What onnxruntime-web's WebGPU EP hands to its WASM (CPU) EP in the exported model, in sentences. */
export function webgpuFallbacks(state: QuantState, opset: 13 | 21): string[] {
  const out: string[] = [];
  const plural = (n: number, s: string) => `${n} ${s}${n === 1 ? '' : 's'}`;
  const weights = new Map(state.weights.map((w) => [w.weight, w]));
  const int4 = opset === 21 ? [...weights.values()].filter((w) => w.range.bits <= 4 && !w.levels).length : 0;
  if (int4) out.push(`${plural(int4, 'DequantizeLinear node')} (int4/uint4 weights) run on WASM: the WebGPU EP's DequantizeLinear takes int8, uint8 and int32 only. The dequantized float weights are copied to the GPU.`);
  const int16 = [...weights.values()].filter((w) => w.levels && w.range.qmax > 127).length;
  if (int16) out.push(`${plural(int16, 'DequantizeLinear node')} (7-bit APoT weights, int16 codes) run on WASM: the WebGPU EP's DequantizeLinear takes int8, uint8 and int32 only. The dequantized float weights are copied to the GPU.`);
  const acts = state.acts.length;
  if (acts) out.push(`${plural(acts, 'QuantizeLinear node')} (activations) run on WASM: the WebGPU EP has no QuantizeLinear. Each quantized activation is copied GPU → CPU and back on every run.`);
  const clips = state.acts.filter((a) => a.range.bits < 8).length;
  if (clips) out.push(`${plural(clips, 'Clip node')} on integer codes (activations below 8 bits) run on WASM: the WebGPU EP's Clip takes float32 and float16 only.`);
  return out;
}
