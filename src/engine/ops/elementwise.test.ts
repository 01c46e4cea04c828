// Element-wise and broadcasting ops in the engine (attributes, opset forms, constant and data operands,
// bool tensors, Dropout's mask) vs onnxruntime on small models with fresh random inputs, run on the GPU.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx } from '../../onnx/proto/onnx';
import { Session } from '../session';
import { DT } from '../../onnx/dtype';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

type AttrV = number | string | number[];
type NodeSpec = [op: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrV>];
interface Case {
  opset: number;
  nodes: NodeSpec[];
  /** Data inputs (float32): shape and value range. */
  inputs: Record<string, [number[], number, number]>;
  consts?: Record<string, [dtype: number, dims: number[], values: number[]]>;
  /** Graph outputs and their element types. */
  outputs: Record<string, number>;
  /**
   * A Dropout mask that must be all true: onnxruntime's Dropout-7…11 kernel (IdentityOp) writes
   * zeros there, where ONNX's reference and its own Dropout-12+ give ones.
   */
  onesMask?: string;
}

const F = DT.FLOAT;
const B = DT.BOOL;
const I64 = DT.INT64;
const attr = (name: string, v: AttrV): onnx.IAttributeProto => {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return Number.isInteger(v) && !['alpha', 'beta', 'gamma', 'ratio'].includes(name) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
};

function build(c: Case): Uint8Array {
  const vi = (name: string, elemType: number, dims?: number[]) => ({ name, type: { tensorType: { elemType, shape: dims ? { dim: dims.map((d) => ({ dimValue: d })) } : undefined } } });
  const init = Object.entries(c.consts ?? {}).map(([name, [dataType, dims, v]]): onnx.ITensorProto =>
    dataType === F ? { name, dataType, dims, floatData: v } : dataType === I64 ? { name, dataType, dims, int64Data: v } : { name, dataType, dims, int32Data: v },
  );
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: c.opset }],
    graph: {
      name: 'g',
      node: c.nodes.map(([opType, input, output, attrs], k) => ({ opType, name: `n${k}`, input, output, attribute: Object.entries(attrs ?? {}).map(([n, v]) => attr(n, v)) })),
      input: Object.entries(c.inputs).map(([n, [dims]]) => vi(n, F, dims)),
      output: Object.entries(c.outputs).map(([n, t]) => vi(n, t)),
      initializer: init,
    },
  }).finish();
}

const unary = (op: string, lo = -4, hi = 4, opset = 13, attrs?: Record<string, AttrV>): Case => ({ opset, nodes: [[op, ['x'], ['y'], attrs]], inputs: { x: [[2, 3, 5], lo, hi] }, outputs: { y: F } });
const x235: Record<string, [number[], number, number]> = { x: [[2, 3, 5], -3, 3] };

/** Named by the op version that runs (Elu-6 is still Elu at opset 7, the oldest the studio reads). */
const CASES: Record<string, Case> = {
  'Erf-13': unary('Erf', -3, 3),
  'Gelu-20': unary('Gelu', -5, 5, 20),
  'Gelu-20 tanh': unary('Gelu', -5, 5, 20, { approximate: 'tanh' }),
  'Tanh-13': unary('Tanh'),
  'Sigmoid-13': unary('Sigmoid', -8, 8),
  'HardSigmoid-6 alpha beta': unary('HardSigmoid', -5, 5, 7, { alpha: 0.3, beta: 0.4 }),
  'Elu-6 alpha': unary('Elu', -4, 4, 7, { alpha: 0.5 }),
  'Selu-6 default': unary('Selu', -4, 4, 7),
  'Selu-6 alpha gamma': unary('Selu', -4, 4, 7, { alpha: 2, gamma: 3 }),
  'Softplus-1': unary('Softplus', -30, 30, 7),
  'Sqrt-13': unary('Sqrt', 0, 9),
  'Exp-13': unary('Exp', -6, 6),
  'Log-13': unary('Log', 0.01, 50),
  'Reciprocal-13': unary('Reciprocal', 0.1, 5),
  'Neg-13': unary('Neg'),
  'Abs-13': unary('Abs'),
  'Floor-13': unary('Floor'),
  'Ceil-13': unary('Ceil'),
  'PRelu-16 slope [3,1]': { opset: 16, nodes: [['PRelu', ['x', 's'], ['y']]], inputs: x235, consts: { s: [F, [3, 1], [0.1, -0.5, 2]] }, outputs: { y: F } },
  'PRelu-9 data slope [5]': { opset: 9, nodes: [['PRelu', ['x', 's'], ['y']]], inputs: { ...x235, s: [[5], -1, 1] }, outputs: { y: F } },
  'Pow-15 fractional exponents': { opset: 15, nodes: [['Pow', ['x', 'e'], ['y']]], inputs: { x: [[2, 3, 5], 0, 3] }, consts: { e: [F, [5], [0.5, -1.5, 2.25, 3, -0.75]] }, outputs: { y: F } },
  'Pow-15 int64 exponent 2': { opset: 15, nodes: [['Pow', ['x', 'e'], ['y']]], inputs: x235, consts: { e: [I64, [], [2]] }, outputs: { y: F } },
  'Pow-7 x^3 of negatives': { opset: 7, nodes: [['Pow', ['x', 'e'], ['y']]], inputs: x235, consts: { e: [F, [1], [3]] }, outputs: { y: F } },
  'Pow-13 constant base': { opset: 13, nodes: [['Pow', ['b', 'x'], ['y']]], inputs: x235, consts: { b: [F, [3, 1], [0.5, 2, 3]] }, outputs: { y: F } },
  'Sum-13 three broadcast inputs': { opset: 13, nodes: [['Sum', ['a', 'b', 'c'], ['y']]], inputs: { a: [[2, 3, 4], -2, 2], b: [[3, 1], -2, 2], c: [[4], -2, 2] }, outputs: { y: F } },
  'Sum-13 one input': { opset: 13, nodes: [['Sum', ['a'], ['y']]], inputs: { a: [[2, 3], -2, 2] }, outputs: { y: F } },
  'Mean-13 four inputs': { opset: 13, nodes: [['Mean', ['a', 'b', 'c', 'k'], ['y']]], inputs: { a: [[2, 1, 4], -2, 2], b: [[3, 1], -2, 2], c: [[1], -2, 2] }, consts: { k: [F, [4], [1, 2, 3, 4]] }, outputs: { y: F } },
  'Mean-6 same shapes': { opset: 7, nodes: [['Mean', ['a', 'b'], ['y']]], inputs: { a: [[3, 4], -2, 2], b: [[3, 4], -2, 2] }, outputs: { y: F } },
  'Max-13 three inputs': { opset: 13, nodes: [['Max', ['a', 'b', 'c'], ['y']]], inputs: { a: [[2, 3, 4], -2, 2], b: [[3, 1], -2, 2], c: [[4], -2, 2] }, outputs: { y: F } },
  'Min-8 two inputs': { opset: 8, nodes: [['Min', ['a', 'b'], ['y']]], inputs: { a: [[2, 3, 4], -2, 2], b: [[4], -2, 2] }, outputs: { y: F } },
  'Max-13 one input': { opset: 13, nodes: [['Max', ['a'], ['y']]], inputs: { a: [[5], -2, 2] }, outputs: { y: F } },
  'Dropout-13 mask used': {
    opset: 13,
    nodes: [['Dropout', ['x', 'r', 't'], ['d', 'm']], ['Where', ['m', 'd', 'z'], ['y']]],
    inputs: x235,
    consts: { r: [F, [], [0.3]], t: [B, [], [0]], z: [F, [], [-7]] },
    outputs: { y: F, m: B },
  },
  'Dropout-10 mask': { opset: 10, nodes: [['Dropout', ['x'], ['d', 'm'], { ratio: 0.2 }], ['Relu', ['d'], ['y']]], inputs: x235, outputs: { y: F, m: B }, onesMask: 'm' },
  'Dropout-7 float mask': { opset: 7, nodes: [['Dropout', ['x'], ['d', 'm']], ['Relu', ['d'], ['y']]], inputs: x235, outputs: { y: F, m: F }, onesMask: 'm' },
  'Equal-13 → Where-16, Cast': {
    opset: 16,
    nodes: [['Floor', ['x'], ['f']], ['Equal', ['f', 'k'], ['e']], ['Where', ['e', 'x', 'w'], ['y']], ['Cast', ['e'], ['ef'], { to: F }]],
    inputs: { ...x235, w: [[5], -9, 9] },
    consts: { k: [F, [3, 1], [-1, 0, 1]] },
    outputs: { y: F, e: B, ef: F },
  },
  'Where-9 constant condition': { opset: 9, nodes: [['Where', ['c', 'x', 'z'], ['y']]], inputs: x235, consts: { c: [B, [3, 1], [1, 0, 1]], z: [F, [], [0.5]] }, outputs: { y: F } },
  'Expand-13 on data': { opset: 13, nodes: [['Expand', ['x', 's'], ['y']]], inputs: { x: [[3, 1], -2, 2] }, consts: { s: [I64, [3], [2, 1, 6]] }, outputs: { y: F } },
  'Expand-8 smaller shape': { opset: 8, nodes: [['Expand', ['x', 's'], ['y']]], inputs: { x: [[2, 1, 4], -2, 2] }, consts: { s: [I64, [2], [3, 1]] }, outputs: { y: F } },
};

describe('element-wise and broadcasting ops vs onnxruntime', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const c = CASES[name];
    const seed = freshSeed();
    const r = rng(seed);
    const bytes = build(c);
    const feeds = Object.fromEntries(Object.entries(c.inputs).map(([n, [shape, lo, hi]]) => [n, { data: randArray(size(shape), r, lo, hi), shape }]));
    const session = await Session.load(await testGpu(), bytes, `${name}.onnx`);
    const ours = await session.run(feeds);
    const ref = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const theirs = await ref.run(Object.fromEntries(Object.entries(feeds).map(([n, f]) => [n, new ort.Tensor('float32', f.data, f.shape)])));
    for (const o of Object.keys(c.outputs)) {
      expect(ours[o].shape, `${o} shape`).toEqual(theirs[o].dims);
      const want = o === c.onesMask ? new Array<number>(size(ours[o].shape)).fill(1) : Array.from(theirs[o].data as ArrayLike<number | boolean>, Number);
      expectClose(ours[o].data, want, { rtol: 1e-5, atol: 1e-6 }, `${name} output ${o} seed ${seed}`);
    }
    const ran = Object.keys(session.summary.preparedOpCounts ?? {});
    for (const [op] of c.nodes) if (op !== 'Dropout' && op !== 'Cast') expect(ran, `${op} runs on the GPU`).toContain(op);
    session.dispose();
  });
});
