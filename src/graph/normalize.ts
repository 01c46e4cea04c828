// Shape-independent graph preparation: Constant nodes become initializers, initializers listed
// as inputs stop being inputs, Identity/Dropout disappear, and BatchNormalization after a
// Conv/Gemm is folded into its weights; weighted nodes stop sharing bias initializers.
import type { Graph, Node, Tensor } from './ir';
import { DT, makeTensor, tensorValues } from '../onnx/dtype';
import { untieBiases } from './untie-biases';

/** A new graph (the input is not modified; unchanged tensors are shared). */
export function normalizeGraph(g: Graph): Graph {
  const out: Graph = { ...g, nodes: [], initializers: new Map(g.initializers) };
  for (const n of g.nodes) {
    const t = n.opType === 'Constant' && n.domain === '' ? constantValue(n) : undefined;
    if (t) out.initializers.set(n.outputs[0], t);
    else out.nodes.push({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] });
  }
  out.inputs = g.inputs.filter((v) => !out.initializers.has(v.name));
  removePassThrough(out);
  foldBatchNorm(out);
  untieBiases(out);
  return out;
}

function constantValue(n: Node): Tensor | undefined {
  const name = n.outputs[0];
  const a = Object.entries(n.attrs)[0];
  if (!a) return undefined;
  const [key, v] = a;
  if (key === 'value' && v.type === 'tensor') return { ...v.value, name };
  if (key === 'value_float' && v.type === 'float') return makeTensor(name, DT.FLOAT, [], [v.value]);
  if (key === 'value_floats' && v.type === 'floats') return makeTensor(name, DT.FLOAT, [v.value.length], v.value);
  if (key === 'value_int' && v.type === 'int') return makeTensor(name, DT.INT64, [], [v.value]);
  if (key === 'value_ints' && v.type === 'ints') return makeTensor(name, DT.INT64, [v.value.length], v.value);
  return undefined;
}

/** Remove Identity and inference-time Dropout whose output is not a graph output. */
function removePassThrough(g: Graph): void {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const rename = new Map<string, string>();
  const resolve = (s: string) => rename.get(s) ?? s;
  g.nodes = g.nodes.filter((n) => {
    n.inputs = n.inputs.map(resolve);
    const dropout = n.opType === 'Dropout' && !n.outputs.slice(1).some(Boolean);
    if ((n.opType === 'Identity' || dropout) && !outputs.has(n.outputs[0]) && n.inputs[0]) {
      rename.set(n.outputs[0], n.inputs[0]);
      return false;
    }
    return true;
  });
}

function consumers(g: Graph, name: string): Node[] {
  return g.nodes.filter((n) => n.inputs.includes(name));
}

/** Conv/Gemm → BatchNormalization with constant parameters becomes one Conv/Gemm. */
function foldBatchNorm(g: Graph): void {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const init = g.initializers;
  for (const bn of [...g.nodes]) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.slice(1).some(Boolean)) continue;
    const prev = g.nodes.find((n) => n.outputs[0] === bn.inputs[0]);
    if (!prev || (prev.opType !== 'Conv' && prev.opType !== 'Gemm')) continue;
    if (outputs.has(prev.outputs[0]) || consumers(g, prev.outputs[0]).length !== 1) continue;
    const params = bn.inputs.slice(1, 5).map((name) => init.get(name));
    const w = init.get(prev.inputs[1]);
    const b = prev.inputs[2] ? init.get(prev.inputs[2]) : undefined;
    if (params.some((p) => !p) || !w || w.dataType !== DT.FLOAT || (prev.inputs[2] && !b)) continue;
    const [scale, shift, mean, variance] = params.map((p) => tensorValues(p!));
    const eps = bn.attrs.epsilon?.type === 'float' ? bn.attrs.epsilon.value : 1e-5;
    const a = scale.map((s, k) => s / Math.sqrt(variance[k] + eps));
    const transB = prev.opType === 'Gemm' && prev.attrs.transB?.type === 'int' && prev.attrs.transB.value === 1;
    const gemmColumns = prev.opType === 'Gemm' && !transB;
    const M = a.length;
    if ((gemmColumns ? w.dims[1] : w.dims[0]) !== M) continue;
    const wv = tensorValues(w);
    const per = wv.length / M;
    const nw = wv.map((v, i) => v * a[gemmColumns ? i % M : Math.floor(i / per)]);
    const bv = b ? tensorValues(b) : new Float64Array(M);
    if (prev.opType === 'Gemm') {
      const beta = prev.attrs.beta?.type === 'float' ? prev.attrs.beta.value : 1;
      if (b && (b.dims.length !== 1 || beta === 0)) continue;
      prev.attrs = { ...prev.attrs, beta: { type: 'float', value: 1 } };
      bv.forEach((v, k) => (bv[k] = v * beta));
    }
    const nb = bv.map((v, k) => v * a[k] + shift[k] - mean[k] * a[k]);
    const wName = `${prev.inputs[1]}_bn`;
    const bName = `${bn.name || bn.outputs[0]}_bias`;
    init.set(wName, makeTensor(wName, DT.FLOAT, w.dims, nw));
    init.set(bName, makeTensor(bName, DT.FLOAT, [M], nb));
    const folded: Node = { ...prev, inputs: [prev.inputs[0], wName, bName], outputs: [bn.outputs[0]] };
    g.nodes[g.nodes.indexOf(prev)] = folded;
    g.nodes.splice(g.nodes.indexOf(bn), 1);
  }
}
