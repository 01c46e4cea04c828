// Raise a graph's default-domain opset: rewrites the ops whose signature or meaning changed on
// the way (attributes that became inputs, Softmax's 2-D coercion); ops it cannot convert exactly fail.
import type { Graph, Node } from './ir';
import { DT, makeTensor } from '../onnx/dtype';
import { StudioError } from '../engine/errors';

interface Ctx {
  /** Add an initializer with a fresh name built from `base`; returns the name. */
  constant(base: string, dataType: number, dims: number[], values: ArrayLike<number>): string;
  fresh(base: string): string;
  extra: Node[];
}

type Rule = (n: Node, ctx: Ctx) => void;
/** [op types, the first opset with the new form, rewrite]: applied when from < version ≤ to. */
type Entry = [string[], number, Rule];

const REDUCE_18 = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less'];

function cannot(n: Node, why: string): never {
  throw new StudioError('unsupported-ops', `node "${n.name || n.outputs[0]}" (${n.opType}): ${why}. Re-export the model at a newer opset (e.g. torch.onnx.export(..., opset_version=13)) and quantize it again.`);
}

/** Attribute `key` becomes input `index` (skipped inputs become ''): int64 [n] from ints, int64 [1] from an int, a float32 scalar from a float. */
function attrToInput(key: string, index: number): Rule {
  return (n, ctx) => {
    const a = n.attrs[key];
    delete n.attrs[key];
    if (!a) return;
    while (n.inputs.length < index) n.inputs.push('');
    const base = `${n.name || n.outputs[0]}_${key}`;
    if (a.type === 'float') n.inputs[index] = ctx.constant(base, DT.FLOAT, [], [a.value]);
    else if (a.type === 'int') n.inputs[index] = ctx.constant(base, DT.INT64, [1], [a.value]);
    else if (a.type === 'ints') n.inputs[index] = ctx.constant(base, DT.INT64, [a.value.length], a.value);
    else cannot(n, `attribute ${key} has an unexpected type`);
  };
}

const drop = (...keys: string[]) => (n: Node) => keys.forEach((k) => delete n.attrs[k]);

/** Old Softmax coerced its input to 2-D at `axis`; the new one works on one axis. Flatten → Softmax → Reshape is exact. */
const coerce2d: Rule = (n, ctx) => {
  const axis = n.attrs.axis?.type === 'int' ? n.attrs.axis.value : 1;
  if (axis === -1) return; // the last axis alone: both versions agree
  const [x] = n.inputs;
  const [y] = n.outputs;
  const base = n.name || y;
  const shape = ctx.fresh(`${base}_shape`);
  const flat = ctx.fresh(`${base}_flat`);
  const out = ctx.fresh(`${base}_2d`);
  ctx.extra.push({ name: ctx.fresh(`${base}_Shape`), opType: 'Shape', domain: '', inputs: [x], outputs: [shape], attrs: {} });
  ctx.extra.push({ name: ctx.fresh(`${base}_Flatten`), opType: 'Flatten', domain: '', inputs: [x], outputs: [flat], attrs: { axis: { type: 'int', value: axis } } });
  n.inputs = [flat];
  n.outputs = [out];
  n.attrs = { axis: { type: 'int', value: -1 } };
  ctx.extra.push(n, { name: ctx.fresh(`${base}_Reshape`), opType: 'Reshape', domain: '', inputs: [out, shape], outputs: [y], attrs: {} });
};

const RULES: Entry[] = [
  [['Concat'], 4, (n) => void (n.attrs.axis ??= { type: 'int', value: 1 })],
  [['Reshape'], 5, attrToInput('shape', 1)],
  [['Cast'], 6, (n) => void (n.attrs.to?.type === 'string' && cannot(n, 'Cast-1 names its type as a string'))],
  [['Gemm'], 7, drop('broadcast')],
  [BINARY, 7, (n) => (n.attrs.axis ? cannot(n, 'legacy broadcasting with an axis') : drop('broadcast')(n))],
  [['BatchNormalization'], 9, (n) => (n.attrs.spatial?.type === 'int' && n.attrs.spatial.value === 0 ? cannot(n, 'spatial=0') : drop('spatial', 'is_test')(n))],
  [['Slice'], 10, (n, ctx) => ['starts', 'ends', 'axes'].forEach((k, i) => attrToInput(k, i + 1)(n, ctx))],
  [['TopK'], 10, attrToInput('k', 1)],
  [['Upsample'], 10, (n) => cannot(n, 'Upsample was replaced by Resize')],
  [['Resize'], 11, (n) => cannot(n, 'Resize-10 coordinates differ from Resize-11')],
  [['Clip'], 11, (n, ctx) => ['min', 'max'].forEach((k, i) => attrToInput(k, i + 1)(n, ctx))],
  [['Pad'], 11, (n, ctx) => {
    attrToInput(n.attrs.paddings ? 'paddings' : 'pads', 1)(n, ctx); // Pad-1 called it paddings
    attrToInput('value', 2)(n, ctx);
  }],
  [['Scatter'], 11, (n) => void (n.opType = 'ScatterElements')],
  [['Dropout'], 12, drop('ratio', 'is_test')],
  [['Squeeze', 'Unsqueeze', 'ReduceSum'], 13, attrToInput('axes', 1)],
  [['Split'], 13, attrToInput('split', 1)],
  [['Softmax', 'LogSoftmax', 'Hardmax'], 13, coerce2d],
  [REDUCE_18, 18, attrToInput('axes', 1)],
  [['Split'], 18, (n) => void (!n.inputs[1] && (n.attrs.num_outputs ??= { type: 'int', value: n.outputs.length }))],
  [['GridSample'], 20, (n) => {
    const m = n.attrs.mode;
    if (m?.type === 'string') m.value = m.value === 'bilinear' ? 'linear' : m.value === 'bicubic' ? 'cubic' : m.value;
  }],
  [['DFT'], 20, (n) => cannot(n, 'DFT-20 takes its axis as an input')],
  [['GroupNormalization'], 21, (n) => cannot(n, 'GroupNormalization-21 takes per-channel scale and bias')],
];

/** A copy of `g` valid at opset `to` (nodes copied; tensors shared). Throws for what it cannot convert. */
export function upgradeOpset(g: Graph, from: number, to: number): Graph {
  const out: Graph = { ...g, initializers: new Map(g.initializers), nodes: [] };
  if (from >= to) return { ...out, nodes: g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })) };
  const names = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) [n.name, ...n.inputs, ...n.outputs].forEach((s) => names.add(s));
  const fresh = (base: string) => {
    let s = base;
    for (let i = 1; names.has(s); i++) s = `${base}_${i}`;
    names.add(s);
    return s;
  };
  const ctx: Ctx = {
    fresh,
    extra: [],
    constant(base, dataType, dims, values) {
      const name = fresh(base);
      out.initializers.set(name, makeTensor(name, dataType, dims, values));
      return name;
    },
  };
  for (const src of g.nodes) {
    const n: Node = { ...src, inputs: [...src.inputs], outputs: [...src.outputs], attrs: { ...src.attrs } };
    if (n.domain !== '' && n.domain !== 'ai.onnx') {
      out.nodes.push(n);
      continue;
    }
    if (Object.values(n.attrs).some((a) => a.type === 'proto' && (a.value.g || a.value.graphs?.length))) {
      cannot(n, `its subgraphs would need upgrading from opset ${from} to ${to}, which the studio does not do`);
    }
    if (from < 7) delete n.attrs.consumed_inputs;
    ctx.extra = [];
    for (const [ops, version, rule] of RULES) if (ops.includes(n.opType) && from < version && version <= to) rule(n, ctx);
    out.nodes.push(...(ctx.extra.length ? ctx.extra : [n]));
  }
  return out;
}
