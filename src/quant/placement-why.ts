// Placement's two judgements about ops other than weighted layers: which ops a quantizer may be
// moved back through (they keep values on the quantization grid, or average them as QDrop leaves
// pooling in float), and, for every Conv/ConvTranspose/Gemm/MatMul left in float, why.
import type { Graph, Node } from '../graph/ir';
import { DT, dtypeName, tensorValues } from '../onnx/dtype';

export interface FloatLayer {
  /** Node name (as layerName gives it). */
  name: string;
  opType: string;
  reason: string;
}

/** Copies, rearrangements, window maxima/averages and zero padding: the quantizer goes before them. */
const PASS_THROUGH = new Set([
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Transpose', 'Split',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Pad', 'Slice', 'ReduceMax', 'ReduceMin',
]);

/** The axes a Reduce* node reduces (attribute, or constant input 1 from opset 18); null when unknown or all. */
export function reduceAxes(n: Node, g: Graph): number[] | null {
  const a = n.attrs.axes;
  if (a?.type === 'ints') return a.value;
  const t = n.inputs[1] ? g.initializers.get(n.inputs[1]) : undefined;
  return t ? Array.from(tensorValues(t)) : null;
}

/** Whether the quantizer of n's output can sit on n's first input instead. */
export function passesThrough(n: Node, g: Graph): boolean {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return false;
  if (PASS_THROUGH.has(n.opType)) return true;
  // ReduceMean over H, W (MnasNet's and ShuffleNetV2's global pooling) is GlobalAveragePool
  if (n.opType === 'ReduceMean') {
    const axes = reduceAxes(n, g);
    return !!axes && axes.length > 0 && axes.every((x) => x >= 2);
  }
  return false;
}

const layerName = (n: Node): string => n.name || n.outputs[0];

/** Weighted ops of g that placement leaves in float, with the reason a user can act on. */
export function unquantized(g: Graph, placed: { node: Node; float: boolean }[]): FloatLayer[] {
  const byNode = new Map(placed.map((l) => [l.node, l]));
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const inputs = new Set(g.inputs.map((v) => v.name));
  const fromData = (t: string, seen = new Set<string>()): boolean => {
    if (inputs.has(t)) return true;
    if (seen.has(t) || g.initializers.has(t)) return false;
    seen.add(t);
    const p = producer.get(t);
    return !!p && p.inputs.some((i) => !!i && fromData(i, seen));
  };
  const dequantized = (t: string, seen = new Set<string>()): boolean => {
    const p = producer.get(t);
    if (!p || seen.has(t)) return false;
    seen.add(t);
    return p.opType === 'DequantizeLinear' || p.inputs.some((i) => !!i && dequantized(i, seen));
  };
  const out: FloatLayer[] = [];
  for (const n of g.nodes) {
    if (!['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType)) continue;
    const l = byNode.get(n);
    const say = (reason: string) => out.push({ name: layerName(n), opType: n.opType, reason });
    if (l) {
      if (l.float) say('kept in float by a per-layer override');
      continue;
    }
    if (n.domain !== '' && n.domain !== 'ai.onnx') {
      say(`an op of domain "${n.domain}", not the ONNX one`);
      continue;
    }
    const w = n.inputs[1];
    const init = w ? g.initializers.get(w) : undefined;
    const p = w ? producer.get(w) : undefined;
    if (!w) say('it has no weight input');
    else if (init) say(`its weight "${w}" is ${dtypeName(init.dataType)}${init.dataType === DT.FLOAT16 || init.dataType === DT.DOUBLE ? ' (only float32 weights are quantized)' : ', already integer in the file'}`);
    else if (fromData(w)) {
      const left = n.opType === 'MatMul' && !fromData(n.inputs[0]);
      say(left ? 'the constant is its first input (W·x): only x·W, a weight on the right, is quantized' : 'both its inputs are computed from the input data (activation × activation, as in attention): there is no weight to quantize');
    } else if (dequantized(w)) say(`its weight "${w}" is already quantized in the file (DequantizeLinear)`);
    else say(`its weight "${w}" is computed by a ${p?.opType ?? 'missing'} node that could not be evaluated at load`);
  }
  return out;
}
