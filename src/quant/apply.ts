// Quantized weights and the fake-quantized graph the engine runs: integer codes from scales and
// zero points, their float32 dequantization (bit-exact with DequantizeLinear), and FakeQuant
// nodes in place of QuantizeLinear→DequantizeLinear pairs.
import type { Graph, Node } from '../graph/ir';
import { DT, makeTensor } from '../onnx/dtype';
import { QS_DOMAIN } from '../engine/ops/quant';
import { roundHalfEven, type QRange } from '../ref/round';
import type { BiasQuant, QuantState, WeightQuant } from './types';

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
      nodes.push({
        name: `${o}::fq`,
        opType: 'FakeQuant',
        domain: QS_DOMAIN,
        inputs: [o],
        outputs: [actOf.get(o)!],
        attrs: {
          scales: { type: 'floats', value: [a.scale] },
          zero_points: { type: 'ints', value: [a.zeroPoint] },
          qmin: { type: 'int', value: a.range.qmin },
          qmax: { type: 'int', value: a.range.qmax },
        },
      });
    }
  }
  return { ...g, nodes, initializers };
}
