// Per-op checks at load (validate.ts calls them): attribute names and types for the ops whose
// attributes steer the arithmetic, window values of Conv/ConvTranspose/pools, and element types.
import type { Attr, Graph, Node } from '../graph/ir';
import { DT, dtypeName, isFloatType, tensorValues } from './dtype';

type Kind = Attr['type'];
const WINDOW: Record<string, Kind> = { auto_pad: 'string', kernel_shape: 'ints', pads: 'ints', strides: 'ints', dilations: 'ints' };
const REDUCE: Record<string, Kind> = { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' };
const AXIS: Record<string, Kind> = { axis: 'int' };

/** Every attribute these ops have in any opset from 7 on, with its type; others are refused. */
const SPECS: Record<string, Record<string, Kind>> = {
  Conv: { ...WINDOW, group: 'int' },
  ConvTranspose: { ...WINDOW, group: 'int', output_padding: 'ints', output_shape: 'ints' },
  MaxPool: { ...WINDOW, ceil_mode: 'int', storage_order: 'int' },
  AveragePool: { ...WINDOW, ceil_mode: 'int', count_include_pad: 'int' },
  LpPool: { ...WINDOW, ceil_mode: 'int', p: 'int' },
  GlobalAveragePool: {},
  GlobalMaxPool: {},
  BatchNormalization: { epsilon: 'float', momentum: 'float', spatial: 'int', training_mode: 'int', is_test: 'int' },
  InstanceNormalization: { epsilon: 'float' },
  LayerNormalization: { axis: 'int', epsilon: 'float', stash_type: 'int' },
  Gemm: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int', broadcast: 'int' },
  MatMul: {},
  LeakyRelu: { alpha: 'float' },
  Elu: { alpha: 'float' },
  HardSigmoid: { alpha: 'float', beta: 'float' },
  Softmax: AXIS,
  LogSoftmax: AXIS,
  Flatten: AXIS,
  Concat: AXIS,
  Gather: AXIS,
  Transpose: { perm: 'ints' },
  Reshape: { allowzero: 'int' },
  Squeeze: { axes: 'ints' },
  Unsqueeze: { axes: 'ints' },
  Clip: { min: 'float', max: 'float' },
  LRN: { alpha: 'float', beta: 'float', bias: 'float', size: 'int' },
  ReduceMean: REDUCE,
  ReduceSum: REDUCE,
  ReduceMax: REDUCE,
  ReduceMin: REDUCE,
};

/** Inputs that must be floating point for these ops (an int8 tensor as a Conv weight is refused). */
export const FLOAT_WEIGHT_INPUTS: Record<string, number[]> = {
  Conv: [0, 1, 2],
  ConvTranspose: [0, 1, 2],
  BatchNormalization: [0, 1, 2, 3, 4],
  InstanceNormalization: [0, 1, 2],
  LayerNormalization: [0, 1, 2],
  PRelu: [0, 1],
  AveragePool: [0],
  GlobalAveragePool: [0],
};
/** Gemm and MatMul take these element types (ONNX's type constraint): floats and 32/64-bit integers. */
const MATMUL_TYPES = new Set<number>([DT.FLOAT, DT.FLOAT16, DT.DOUBLE, DT.BFLOAT16, DT.INT32, DT.INT64, DT.UINT32, DT.UINT64]);

const KIND_NAME: Record<Kind, string> = { int: 'INT', ints: 'INTS', float: 'FLOAT', floats: 'FLOATS', string: 'STRING', strings: 'STRINGS', tensor: 'TENSOR', proto: 'a graph or other non-plain value' };

/** Checks node `n` of `g` (`who` names it in messages); `bad` throws with the file name prefixed. */
export function checkNodeOps(g: Graph, n: Node, who: string, bad: (msg: string) => never): void {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return;
  const fix = 'The file is damaged or was written by a faulty exporter; fix the attribute (onnx.helper.make_attribute) or export the model again.';
  const spec = SPECS[n.opType];
  if (spec) {
    for (const [key, a] of Object.entries(n.attrs)) {
      const want = spec[key];
      if (!want) bad(`${who} has the attribute "${key}", which ${n.opType} does not have (it has ${Object.keys(spec).join(', ') || 'none'}). ${fix}`);
      if (a.type !== want) bad(`${who}: attribute "${key}" is ${KIND_NAME[a.type]}, but ${n.opType} needs ${KIND_NAME[want]}. ${fix}`);
    }
  }
  const dtypeOf = (name: string): number | undefined => g.initializers.get(name)?.dataType ?? g.inputs.find((v) => v.name === name)?.dataType ?? constantType(g, name);
  for (const k of FLOAT_WEIGHT_INPUTS[n.opType] ?? []) {
    const t = n.inputs[k] ? dtypeOf(n.inputs[k]) : undefined;
    if (t !== undefined && !isFloatType(t)) bad(`${who}: input ${k} "${n.inputs[k]}" is ${dtypeName(t)}, but ${n.opType} computes in floating point. A quantized weight must go through DequantizeLinear first; export the float model (or add the DequantizeLinear node).`);
  }
  if (n.opType === 'Gemm' || n.opType === 'MatMul') {
    for (const [k, x] of n.inputs.entries()) {
      const t = x ? dtypeOf(x) : undefined;
      if (t !== undefined && !MATMUL_TYPES.has(t)) bad(`${who}: input ${k} "${x}" is ${dtypeName(t)}, which ${n.opType} does not take (${n.opType === 'MatMul' ? 'MatMulInteger' : 'QGemm'} is the integer form). Export the float model, or dequantize the weight with DequantizeLinear.`);
    }
  }
  if (n.opType in WINDOWED) checkWindow(g, n, who, bad);
  if (n.opType === 'BatchNormalization') checkBatchNorm(g, n, who, bad);
}

function constantType(g: Graph, name: string): number | undefined {
  const c = g.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name);
  const v = c?.attrs.value;
  return v?.type === 'tensor' ? v.value.dataType : undefined;
}

/** Ops with a sliding window: whether the kernel comes from the weight (input 1). */
const WINDOWED: Record<string, 'conv' | 'convT' | 'pool'> = { Conv: 'conv', ConvTranspose: 'convT', MaxPool: 'pool', AveragePool: 'pool', LpPool: 'pool' };
const AUTO_PAD = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

function checkWindow(g: Graph, n: Node, who: string, bad: (msg: string) => never): void {
  const kind = WINDOWED[n.opType];
  const ints = (k: string) => (n.attrs[k]?.type === 'ints' ? (n.attrs[k].value as number[]) : undefined);
  const int = (k: string) => (n.attrs[k]?.type === 'int' ? (n.attrs[k].value as number) : undefined);
  const fix = 'Fix the attribute or export the model again.';
  const w = kind === 'pool' ? undefined : g.initializers.get(n.inputs[1] ?? '');
  if (w && w.dims.length < 3) bad(`${who}: the weight "${w.name}" has the shape [${w.dims.join(', ')}], but ${n.opType} needs [${kind === 'conv' ? 'M, C/group' : 'C, M/group'}, kernel...] (rank ≥ 3). The file is damaged; export the model again.`);
  const kernel = ints('kernel_shape');
  if (kind === 'pool' && !kernel) bad(`${who} has no kernel_shape, which ${n.opType} requires. ${fix}`);
  const r = w ? w.dims.length - 2 : kernel?.length;
  if (kernel && w && kernel.join() !== w.dims.slice(2).join()) bad(`${who}: kernel_shape [${kernel.join(', ')}] differs from the kernel of the weight "${w.name}" [${w.dims.slice(2).join(', ')}]. ${fix}`);
  for (const [key, min] of [['kernel_shape', 1], ['strides', 1], ['dilations', 1], ['pads', 0], ['output_padding', 0], ['output_shape', 0]] as const) {
    const v = ints(key);
    if (!v) continue;
    if (v.some((x) => !Number.isSafeInteger(x) || x < min)) bad(`${who}: ${key} [${v.join(', ')}] must hold whole numbers ≥ ${min}. ${fix}`);
    const len = key === 'pads' ? 2 * (r ?? v.length / 2) : r;
    if (len !== undefined && key !== 'output_shape' && v.length !== len) bad(`${who}: ${key} [${v.join(', ')}] needs ${len} values for a ${r}-D ${kind === 'pool' ? 'window' : 'kernel'}. ${fix}`);
  }
  const pads = ints('pads');
  if (kind === 'pool' && kernel && pads?.some((p, k) => p >= kernel[k % kernel.length])) bad(`${who}: pads [${pads.join(', ')}] must each be smaller than the kernel [${kernel.join(', ')}], or a window would hold only padding. ${fix}`);
  const autoPad = n.attrs.auto_pad?.type === 'string' ? n.attrs.auto_pad.value : 'NOTSET';
  if (!AUTO_PAD.includes(autoPad)) bad(`${who}: auto_pad "${autoPad}" is none of ${AUTO_PAD.join(', ')}. ${fix}`);
  for (const key of ['ceil_mode', 'count_include_pad', 'storage_order']) {
    const v = int(key);
    if (v !== undefined && v !== 0 && v !== 1) bad(`${who}: ${key} is ${v}; it must be 0 or 1. ${fix}`);
  }
  if (kind === 'pool') return;
  const group = int('group') ?? 1;
  if (group < 1) bad(`${who}: group ${group} must be ≥ 1. ${fix}`);
  if (!w) return;
  const [d0, d1] = w.dims;
  if (kind === 'conv' && d0 % group !== 0) bad(`${who}: the weight "${w.name}" has ${d0} output channels, which group ${group} does not divide. ${fix}`);
  const x = g.inputs.find((v) => v.name === n.inputs[0])?.shape?.[1];
  const channels = kind === 'conv' ? d1 * group : d0;
  if (typeof x === 'number' && x !== channels) bad(`${who}: the input "${n.inputs[0]}" has ${x} channels, but the weight "${w.name}" [${w.dims.join(', ')}] with group ${group} expects ${channels}. ${fix}`);
  if (kind === 'convT' && d0 % group !== 0) bad(`${who}: the weight "${w.name}" has ${d0} input channels, which group ${group} does not divide. ${fix}`);
  const b = g.initializers.get(n.inputs[2] ?? '');
  const m = kind === 'conv' ? d0 : d1 * group;
  if (b && (b.dims.length !== 1 || b.dims[0] !== m)) bad(`${who}: the bias "${b.name}" has the shape [${b.dims.join(', ')}], but ${m} output channels need [${m}]. ${fix}`);
}

function checkBatchNorm(g: Graph, n: Node, who: string, bad: (msg: string) => never): void {
  const eps = n.attrs.epsilon?.type === 'float' ? n.attrs.epsilon.value : 1e-5;
  if (!(eps >= 0) || !Number.isFinite(eps)) bad(`${who}: epsilon ${eps} must be a finite number ≥ 0. Fix the attribute or export the model again.`);
  const params = n.inputs.slice(1, 5).map((x) => g.initializers.get(x));
  const sizes = params.map((p) => (p ? p.dims.reduce((a, b) => a * b, 1) : undefined)).filter((s) => s !== undefined);
  if (params.some((p) => p && p.dims.length !== 1) || new Set(sizes).size > 1) {
    bad(`${who}: scale, B, mean and var must be vectors of one length (one value per channel); they are ${params.map((p, k) => `${['scale', 'B', 'mean', 'var'][k]} [${p?.dims.join(', ') ?? '?'}]`).join(', ')}. The file is damaged; export the model again.`);
  }
  const variance = params[3];
  if (variance && isFloatType(variance.dataType)) {
    const v = tensorValues(variance);
    const k = v.findIndex((x) => !(x + eps > 0));
    if (k >= 0) bad(`${who}: the variance "${variance.name}" holds ${v[k]} at channel ${k}; with epsilon ${Number(eps.toPrecision(6))} that divides by the square root of a number ≤ 0. The running statistics are damaged; recompute them (or export the model again).`);
  }
}
