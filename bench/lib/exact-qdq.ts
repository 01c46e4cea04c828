// A float64 evaluation of a QDQ model, the arbiter of the zoo bench's noise floor (bench/zoo.ts --exact):
// DequantizeLinear gives its float32 values (the file's numbers exactly), then every sum is taken in
// float64, so a QuantizeLinear rounds the exact result of the float32 tensors it reads, not one
// accumulation order's. Against it the studio and onnxruntime's two paths (integer QLinearConv with
// the fusion on, float Conv with it off) can be told apart on a flipped tie: which of them lands on
// the exact side. Bench only: one image at a time, plain loops, the ops of the zoo's CNN exports (ResNets, SqueezeNet, MobileNets, MnasNet), through src/ref's float64 references.
import type { Graph, Node } from '../../src/graph/ir';
import { tensorValues } from '../../src/onnx/dtype';
import { poolOutputShape, poolRef, globalPoolRef, resolveAutoPad } from '../../src/ref/pool';
import { binaryRef } from '../../src/ref/binary';
import { unaryRef } from '../../src/ref/unary';
import { concatRef } from '../../src/ref/concat';
import { normalizeAxes, reducedShape, reduceRef } from '../../src/ref/reduce';
import { roundHalfEven } from '../../src/ref/round';
import { conv2dRef } from '../../src/ref/conv2d';
import { gemmRef } from '../../src/ref/matmul';
import { softmaxRef } from '../../src/ref/softmax';
import { dequantizeLinearRef, paramIndex, qdqLayout } from '../../src/ref/qdq-linear';

interface T { data: Float64Array; shape: number[] }

const ranges: Record<number, [number, number]> = { 2: [0, 255], 3: [-128, 127], 6: [-2147483648, 2147483647], 21: [0, 15], 22: [-8, 7] };
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
/** Where element i of x finds its scale and zero point (per tensor or per axis). */
const layout = (n: Node, x: T, scale: T) => qdqLayout(x.shape, scale.shape, ((attrInt(n, 'axis', 1) % x.shape.length) + x.shape.length) % x.shape.length, 0);

function attrInts(n: Node, k: string): number[] | undefined {
  const a = n.attrs[k];
  return a?.type === 'ints' ? a.value : undefined;
}
function attrInt(n: Node, k: string, d: number): number {
  const a = n.attrs[k];
  return a?.type === 'int' ? a.value : d;
}
function attrFloat(n: Node, k: string, d: number): number {
  const a = n.attrs[k];
  return a?.type === 'float' ? a.value : d;
}

function run(n: Node, ins: (T | undefined)[]): T[] {
  const x = ins[0]!;
  switch (n.opType) {
    // DequantizeLinear's output is float32: the file's values, rounded as the spec says
    case 'DequantizeLinear': return [{ data: dequantizeLinearRef(x.data, ins[1]!.data, ins[2]?.data, layout(n, x, ins[1]!)), shape: x.shape }];
    case 'QuantizeLinear': {
      // x / s in float64 (quantizeLinearRef rounds the quotient to float32 first): the exact sum's code
      const l = layout(n, x, ins[1]!);
      const [sc, z] = [ins[1]!.data, ins[2]?.data];
      const dt = n.attrs.output_dtype?.type === 'int' ? n.attrs.output_dtype.value : 0;
      const [lo, hi] = ranges[dt || zeroPointType.get(n.inputs[2]) || 2] ?? [0, 255];
      return [{ data: Float64Array.from(x.data, (v, i) => { const p = paramIndex(l, i); return Math.min(Math.max(roundHalfEven(v / sc[p]) + (z ? z[p] : 0), lo), hi); }), shape: x.shape }];
    }
    case 'Clip': {
      const lo = ins[1] ? ins[1].data[0] : -Infinity, hi = ins[2] ? ins[2].data[0] : Infinity;
      return [{ data: x.data.map((v) => Math.min(Math.max(v, lo), hi)), shape: x.shape }];
    }
    case 'Relu': case 'HardSwish': case 'Sigmoid': return [{ data: unaryRef(n.opType, x.data), shape: x.shape }];
    case 'HardSigmoid': return [{ data: unaryRef('HardSigmoid', x.data, attrFloat(n, 'alpha', 0.2), attrFloat(n, 'beta', 0.5)), shape: x.shape }];
    case 'Mul': return [binaryRef('Mul', x.data, x.shape, ins[1]!.data, ins[1]!.shape) as T];
    case 'Identity': case 'Dropout': return [x];
    case 'Constant': {
      const a = n.attrs.value;
      if (a?.type !== 'tensor') throw new Error(`exact: Constant ${n.name} without a tensor value`);
      return [{ data: Float64Array.from(tensorValues(a.value)), shape: a.value.dims }];
    }
    case 'Concat': return [concatRef(ins as T[], attrInt(n, 'axis', 0))];
    case 'ReduceMean': {
      // axes: an attribute up to opset 17, an input from 18
      const axes = normalizeAxes(ins[1] ? Array.from(ins[1].data) : attrInts(n, 'axes') ?? x.shape.map((_, k) => k), x.shape.length);
      return [{ data: reduceRef('Mean', x.data, x.shape, axes), shape: reducedShape(x.shape, axes, attrInt(n, 'keepdims', 1) === 1) }];
    }
    case 'Conv': {
      if (n.attrs.auto_pad?.type === 'string' && n.attrs.auto_pad.value !== 'NOTSET') throw new Error(`exact: Conv ${n.name} auto_pad`);
      const w = ins[1]!;
      const p = { strides: (attrInts(n, 'strides') ?? [1, 1]) as [number, number], pads: (attrInts(n, 'pads') ?? [0, 0, 0, 0]) as [number, number, number, number], dilations: (attrInts(n, 'dilations') ?? [1, 1]) as [number, number], group: attrInt(n, 'group', 1) };
      return [conv2dRef(x.data, x.shape, w.data, w.shape, ins[2]?.data ?? null, p)];
    }
    case 'Gemm': {
      const c = ins[2];
      const p = { transA: attrInt(n, 'transA', 0) === 1, transB: attrInt(n, 'transB', 0) === 1, alpha: attrFloat(n, 'alpha', 1), beta: attrFloat(n, 'beta', 1) };
      return [gemmRef(x.data, x.shape, ins[1]!.data, ins[1]!.shape, c?.data ?? null, c?.shape ?? [], p)];
    }
    case 'Add': case 'Sum': {
      let acc = x;
      for (const t of ins.slice(1)) acc = binaryRef('Add', acc.data, acc.shape, t!.data, t!.shape) as T;
      return [acc];
    }
    case 'MaxPool': case 'AveragePool': {
      const kernel = attrInts(n, 'kernel_shape')!;
      const r = kernel.length;
      const strides = attrInts(n, 'strides') ?? kernel.map(() => 1);
      const dilations = attrInts(n, 'dilations') ?? kernel.map(() => 1);
      const autoPad = n.attrs.auto_pad?.type === 'string' ? n.attrs.auto_pad.value : 'NOTSET';
      const ceil = attrInt(n, 'ceil_mode', 0) === 1;
      const pads = autoPad === 'NOTSET' || autoPad === '' ? attrInts(n, 'pads') ?? new Array(2 * r).fill(0) : resolveAutoPad(autoPad, x.shape.slice(2), kernel, strides, dilations);
      const p = { kernel, strides, dilations, pads, countIncludePad: attrInt(n, 'count_include_pad', 0) === 1 };
      const outShape = poolOutputShape(x.shape, kernel, strides, pads, dilations, ceil);
      return [{ data: poolRef(n.opType === 'MaxPool' ? 'max' : 'avg', x.data, x.shape, p, outShape), shape: outShape }];
    }
    case 'GlobalAveragePool': return [{ data: globalPoolRef('avg', x.data, x.shape), shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
    case 'Shape': return [{ data: Float64Array.from(x.shape), shape: [x.shape.length] }];
    case 'Flatten': {
      const ax = attrInt(n, 'axis', 1);
      return [{ data: x.data, shape: [size(x.shape.slice(0, ax)), size(x.shape.slice(ax))] }];
    }
    case 'Reshape': {
      const want = Array.from(ins[1]!.data);
      const shape = want.map((d, i) => (d === 0 ? x.shape[i] : d));
      const k = shape.indexOf(-1);
      if (k >= 0) shape[k] = x.data.length / size(shape.filter((d) => d !== -1));
      return [{ data: x.data, shape }];
    }
    case 'Softmax': {
      const ax = attrInt(n, 'axis', -1);
      if ((ax < 0 ? ax + x.shape.length : ax) !== x.shape.length - 1) throw new Error(`exact: Softmax ${n.name} over axis ${ax}`);
      const L = x.shape[x.shape.length - 1];
      return [{ data: softmaxRef(x.data, x.data.length / L, L, 1), shape: x.shape }];
    }
    default: throw new Error(`exact: no float64 ${n.opType} (node ${n.name || n.outputs[0]})`);
  }
}

/** Element type of each zero-point initializer (QuantizeLinear's output type follows it). */
let zeroPointType = new Map<string, number>();

/** The initializers' values of the last graph run. */
let constantsOf: { graph: Graph; values: Map<string, T> } | null = null;

/** The model's outputs for one image (input [1, …]) in float64; `seen` is shown every tensor computed. */
export function exactRun(g: Graph, input: string, feed: { data: ArrayLike<number>; shape: number[] }, seen?: (name: string, t: T) => void): Record<string, T> {
  zeroPointType = new Map([...g.initializers].map(([k, t]) => [k, t.dataType]));
  if (constantsOf?.graph !== g) constantsOf = { graph: g, values: new Map([...g.initializers].map(([k, t]) => [k, { data: tensorValues(t), shape: t.dims }])) };
  const env = new Map<string, T>(constantsOf.values);
  env.set(input, { data: Float64Array.from(feed.data), shape: feed.shape });
  const readers = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => (i ? env.get(i) : undefined));
    ins.forEach((t, k) => {
      if (n.inputs[k] && !t) throw new Error(`exact: ${n.opType} ${n.name}: input ${n.inputs[k]} not computed`);
    });
    if (n.outputs.every((o) => constantsOf!.values.has(o))) {
      for (const o of n.outputs) env.set(o, constantsOf!.values.get(o)!);
      continue;
    }
    const outs = run(n, ins);
    outs.forEach((t, k) => n.outputs[k] && env.set(n.outputs[k], t));
    if (seen) outs.forEach((t, k) => n.outputs[k] && seen(n.outputs[k], t));
    // a node of constants only (the weights' DequantizeLinear) is computed once per graph
    if (n.inputs.every((i) => !i || constantsOf!.values.has(i))) outs.forEach((t, k) => n.outputs[k] && constantsOf!.values.set(n.outputs[k], t));
    // activations are freed after their last reader (initializers stay)
    for (const i of n.inputs) {
      if (!i || g.initializers.has(i) || outputs.has(i)) continue;
      const left = readers.get(i)! - 1;
      readers.set(i, left);
      if (left === 0) env.delete(i);
    }
  }
  return Object.fromEntries(g.outputs.map((o) => [o.name, env.get(o.name)!]));
}
