// Quantized weights and the fake-quantized graph the engine runs: integer codes from scales and
// zero points, their float32 dequantization (bit-exact with DequantizeLinear), and FakeQuant
// nodes in place of QuantizeLinear→DequantizeLinear pairs.
import type { Graph, Node } from '../graph/ir';
import { DT, makeTensor, tensorValues } from '../onnx/dtype';
import { QS_DOMAIN } from '../engine/ops/quant';
import { roundHalfEven, type QRange } from '../ref/round';
import type { ActQuant, BiasQuant, QuantState, WeightQuant } from './types';

/** Channel index of element i of a tensor with these dims, for per-axis parameters. */
function channelOf(dims: number[], axis: number): (i: number) => number {
  if (axis < 0) return () => 0;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return (i) => Math.floor(i / inner) % dims[axis];
}

export function quantizeCodes(w: ArrayLike<number>, dims: number[], axis: number, range: QRange, scales: ArrayLike<number>, zeroPoints: ArrayLike<number>): Int32Array {
  const ch = channelOf(dims, axis);
  const codes = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = ch(i);
    codes[i] = Math.min(Math.max(roundHalfEven(Math.fround(w[i] / scales[c])) + zeroPoints[c], range.qmin), range.qmax);
  }
  return codes;
}

/** (code − z)·s in float32, exactly what DequantizeLinear computes. */
export function dequantize(w: WeightQuant): Float32Array {
  const ch = channelOf(w.dims, w.axis);
  const out = new Float32Array(w.codes.length);
  for (let i = 0; i < out.length; i++) {
    const c = ch(i);
    out[i] = (w.codes[i] - w.zeroPoints[c]) * w.scales[c];
  }
  return out;
}

const INT32_MAX = 2147483647;

/** int32 bias codes round(b / (s_x·s_w[c])), half to even, saturated. */
export function quantizeBias(node: string, bias: string, b: ArrayLike<number>, inputScale: number, weightScales: ArrayLike<number>): BiasQuant {
  const scales = Float32Array.from(b, (_, c) => inputScale * weightScales[weightScales.length === 1 ? 0 : c]);
  const codes = Int32Array.from(b, (v, c) => Math.min(Math.max(roundHalfEven(v / scales[c]), -INT32_MAX - 1), INT32_MAX));
  return { node, bias, scales, codes };
}

/** float(code)·s in float32, as DequantizeLinear computes for int32. */
export function dequantizeBias(b: BiasQuant): Float32Array {
  return Float32Array.from(b.codes, (q, c) => Math.fround(q) * b.scales[c]);
}

/** The FakeQuant node of activation quantizer `a`, writing `out`: its dequantized values, or (codes) q − z. */
function fakeQuantNode(a: ActQuant, out: string, codes: boolean): Node {
  return {
    name: out,
    opType: 'FakeQuant',
    domain: QS_DOMAIN,
    inputs: [a.tensor],
    outputs: [out],
    attrs: {
      scales: { type: 'floats', value: [a.scale] },
      zero_points: { type: 'ints', value: [a.zeroPoint] },
      qmin: { type: 'int', value: a.range.qmin },
      qmax: { type: 'int', value: a.range.qmax },
      ...(codes ? { codes: { type: 'int', value: 1 } } : {}),
    },
  };
}

/** The prepared graph with dequantized weights and a FakeQuant node on every quantized activation. */
export function quantizedGraph(g: Graph, state: QuantState): Graph {
  const initializers = new Map(g.initializers);
  const weightOf = new Map<string, string>();
  for (const w of state.weights) {
    const name = `${w.weight}::fq`;
    initializers.set(name, makeTensor(name, DT.FLOAT, w.dims, dequantize(w)));
    weightOf.set(w.node, name);
  }
  const biasOf = new Map<string, string>();
  for (const b of state.biases ?? []) {
    const name = `${b.bias}::fq`;
    initializers.set(name, makeTensor(name, DT.FLOAT, [b.codes.length], dequantizeBias(b)));
    biasOf.set(b.node, name);
  }
  const actOf = new Map(state.acts.map((a) => [a.tensor, `${a.tensor}::fq`]));
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    const inputs = n.inputs.map((i) => actOf.get(i) ?? i);
    const w = weightOf.get(n.name || n.outputs[0]);
    if (w) inputs[1] = w;
    const b = biasOf.get(n.name || n.outputs[0]);
    if (b) inputs[2] = b;
    nodes.push({ ...n, inputs });
    for (const o of n.outputs) {
      const a = state.acts.find((x) => x.tensor === o);
      if (!a) continue;
      nodes.push(fakeQuantNode(a, actOf.get(o)!, false));
    }
  }
  return { ...g, nodes, initializers };
}

/**
 * The fake-quantized graph as the studio evaluates it: each Conv and Gemm whose input is a quantized
 * activation and whose weight is quantized sums integer codes instead of dequantized floats,
 *   y = ((x_q − z_x) ⊛ (w_q − z_w) + b_q) · fround(s_x·s_w[c])   (b_q: the int32 bias codes; a float bias is added after),
 * which float32 adds exactly while the sums stay below 2^24 — the value integer runtimes compute
 * (onnxruntime's QLinearConv), where a float32 sum of dequantized products rounds a little differently
 * for each order of addition and moves values at a rounding tie of the next quantizer. The same
 * function as `qg` (quantizedGraph) up to float rounding; reconstruction keeps `qg` (gradients flow
 * through its dequantized weights). MatMul (MNIST-8's classifier), ConvTranspose, APoT weights and
 * Gemms that scale by alpha/beta or transpose A stay as in `qg`.
 */
export function exactSumGraph(qg: Graph, state: QuantState): Graph {
  const initializers = new Map(qg.initializers);
  const actByFq = new Map(state.acts.map((a) => [`${a.tensor}::fq`, a]));
  const biasOf = new Map((state.biases ?? []).map((b) => [b.node, b]));
  const weightOf = new Map(state.weights.map((w) => [w.node, w]));
  const codesOf = new Set<string>();
  const nodes: Node[] = [];
  const add = (name: string, dims: number[], values: ArrayLike<number>) => {
    initializers.set(name, makeTensor(name, DT.FLOAT, dims, values));
    return name;
  };
  for (const n of qg.nodes) {
    const key = n.name || n.outputs[0];
    const w = weightOf.get(key);
    const a = actByFq.get(n.inputs[0]);
    const gemmPlain = n.opType === 'Gemm' && (n.attrs.alpha?.value ?? 1) === 1 && (n.attrs.beta?.value ?? 1) === 1 && !(n.attrs.transA?.value ?? 0);
    const axisOk = (w: WeightQuant) => w.scales.length === 1 || (n.opType === 'Conv' ? w.axis === 0 : w.axis === ((n.attrs.transB?.value ?? 0) ? 0 : 1));
    // a float Conv bias is re-laid as [M, 1, …]: only an initializer can be
    const convFloatBias = n.opType === 'Conv' && n.inputs[2] && !initializers.has(n.inputs[2]);
    // quantizedGraph put the dequantized weight (dims w.dims) in input 1 of the layer it quantized
    if (!w || !a || n.inputs[1] !== `${w.weight}::fq` || !(n.opType === 'Conv' || gemmPlain) || !axisOk(w) || w.levels || convFloatBias) {
      nodes.push(n);
      continue;
    }
    const y = n.outputs[0];
    // the activation's codes, once per quantized tensor, read by every exact layer on it
    const xc = `${a.tensor}::fq::codes`;
    if (!codesOf.has(xc)) {
      codesOf.add(xc);
      nodes.push(fakeQuantNode(a, xc, true));
    }
    const ch = channelOf(w.dims, w.axis);
    const wc = add(`${w.weight}::fq::codes`, w.dims, Float32Array.from(w.codes, (q, i) => q - w.zeroPoints[ch(i)]));
    // per output channel, broadcast over the output: [M, 1, …] for Conv, [M] for Gemm
    const M = n.opType === 'Conv' ? w.dims[0] : w.dims[w.axis === 0 ? 0 : 1];
    const cdims = n.opType === 'Conv' ? [M, ...w.dims.slice(2).map(() => 1)] : [M];
    const sw = (c: number) => w.scales[w.scales.length === 1 ? 0 : c];
    const scale = add(`${w.weight}::fq::scale`, cdims, Float32Array.from({ length: M }, (_, c) => Math.fround(a.scale * sw(c))));
    const b = biasOf.get(key);
    const exactBias = b && n.inputs[2] === `${b.bias}::fq` && b.codes.length === M && b.scales.every((s, c) => s === Math.fround(a.scale * sw(c)));
    const floatBias = n.inputs[2] && !exactBias ? n.inputs[2] : undefined;
    const acc = `${y}::fq::acc`;
    nodes.push({ ...n, name: `${key}::fq::codes`, inputs: [xc, wc], outputs: [acc] });
    let sum = acc;
    if (exactBias) {
      sum = `${y}::fq::accb`;
      nodes.push({ name: sum, opType: 'Add', domain: '', inputs: [acc, add(`${b.bias}::fq::codes`, cdims, Float32Array.from(b.codes))], outputs: [sum], attrs: {} });
    }
    if (floatBias) {
      const scaled = `${y}::fq::scaled`;
      nodes.push({ name: scaled, opType: 'Mul', domain: '', inputs: [sum, scale], outputs: [scaled], attrs: {} });
      // a float bias of shape [M] broadcasts over a Gemm output, [M, 1, …] over a Conv's
      const bias = n.opType === 'Conv' ? add(`${floatBias}::fq::channels`, cdims, Float32Array.from(tensorValues(initializers.get(floatBias)!))) : floatBias;
      nodes.push({ name: key, opType: 'Add', domain: '', inputs: [scaled, bias], outputs: [y], attrs: {} });
    } else {
      nodes.push({ name: key, opType: 'Mul', domain: '', inputs: [sum, scale], outputs: [y], attrs: {} });
    }
  }
  return { ...qg, nodes, initializers };
}
