// Reductions and normalizations as ONNX nodes, against onnxruntime: the configurations of ONNX's
// own node tests (axes as attribute and as input, keepdims, noop_with_empty_axes, empty sets;
// every LayerNormalization axis with Mean/InvStdDev; InstanceNormalization; BatchNormalization in
// each opset form; LRN) and the exporters' decomposed LayerNorm. Fresh random data each run;
// outputs within rtol 1e-4, atol 1e-5 (the conformance tolerance).
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx } from '../../onnx/proto/onnx';
import { Session } from '../session';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

type Attr = onnx.IAttributeProto;
const AT = onnx.AttributeProto.AttributeType;
const int = (name: string, i: number): Attr => ({ name, type: AT.INT, i });
const ints = (name: string, v: number[]): Attr => ({ name, type: AT.INTS, ints: v });
const float = (name: string, f: number): Attr => ({ name, type: AT.FLOAT, f });
const i64 = (name: string, v: number[]): onnx.ITensorProto => ({ name, dataType: 7, dims: [v.length], int64Data: v });
const f32 = (name: string, dims: number[], v: Float32Array): onnx.ITensorProto => ({ name, dataType: 1, dims, floatData: [...v] });

interface Case {
  opset: number;
  nodes: onnx.INodeProto[];
  x: number[];
  init?: onnx.ITensorProto[];
  outputs?: string[];
  /** The data: uniform in [-10, 10) unless given. */
  data?: Float32Array;
}

async function compare(what: string, k: Case) {
  const seed = freshSeed();
  const outputs = k.outputs ?? ['y'];
  const vi = (name: string, dims?: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: dims ? { dim: dims.map((d) => ({ dimValue: d })) } : undefined } } });
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: k.opset }],
    graph: { name: 'g', node: k.nodes, input: [vi('x', k.x)], output: outputs.map((o) => vi(o)), initializer: k.init ?? [] },
  }).finish();
  const x = k.data ?? randArray(size(k.x), rng(seed), -10, 10);
  const session = await Session.load(await testGpu(), bytes, `${what}.onnx`);
  const ref = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    const ours = await session.run({ x: { data: x, shape: k.x } });
    const theirs = await ref.run({ x: new ort.Tensor('float32', x, k.x) });
    for (const o of outputs) {
      expect(ours[o].shape, `${what}: ${o} shape`).toEqual([...theirs[o].dims]);
      const want = theirs[o].data as Float32Array;
      // ±Infinity (ReduceMax/Min of an empty set) must match exactly; the rest within tolerance
      expect([...ours[o].data].map((v, i) => (Number.isFinite(want[i]) ? 0 : v)), `${what}: ${o} infinities`).toEqual([...want].map((v) => (Number.isFinite(v) ? 0 : v)));
      const finite = (a: Float32Array) => a.map((v, i) => (Number.isFinite(want[i]) ? v : 0));
      expectClose(finite(ours[o].data), finite(want), { rtol: 1e-4, atol: 1e-5 }, `${what}: ${o} (seed ${seed})`);
    }
  } finally {
    session.dispose();
    await ref.release();
  }
}

/** A Reduce node in the attribute form (opset < from) or the input form. */
function reduceCase(op: string, opset: number, axes: number[] | undefined, attrs: Attr[], x = [3, 2, 2]): Case {
  const asInput = opset >= (op === 'ReduceSum' ? 13 : 18);
  const inputs = asInput && axes ? ['x', 'axes'] : ['x'];
  const attribute = [...attrs, ...(!asInput && axes ? [ints('axes', axes)] : [])];
  return { opset, x, nodes: [{ opType: op, input: inputs, output: ['y'], attribute }], init: asInput && axes ? [i64('axes', axes)] : [] };
}

const REDUCE_OPS = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceL2'];
/** Each op in its attribute form (opset 11/13) and its input form (13/18). */
const FORMS = REDUCE_OPS.flatMap((op) => (op === 'ReduceSum' ? [11, 13] : [13, 18]).map((opset) => [op, opset] as const));

describe('reductions match onnxruntime', () => {
  it.each(FORMS)('%s-%i: default axes, keepdims, do_not_keepdims, negative axes, several axes', async (op, opset) => {
    await compare(`${op} default axes keepdims`, reduceCase(op, opset, undefined, [int('keepdims', 1)]));
    await compare(`${op} default axes no keepdims`, reduceCase(op, opset, undefined, [int('keepdims', 0)]));
    await compare(`${op} keepdims`, reduceCase(op, opset, [1], [int('keepdims', 1)]));
    await compare(`${op} do_not_keepdims`, reduceCase(op, opset, [1], [int('keepdims', 0)]));
    await compare(`${op} negative axes keepdims`, reduceCase(op, opset, [-2], []));
    await compare(`${op} axes 0, 2 of 4-D`, reduceCase(op, opset, [2, 0], [int('keepdims', 0)], [2, 3, 4, 5]));
    await compare(`${op} global pooling`, reduceCase(op, opset, [-1, -2], [int('keepdims', 0)], [2, 16, 7, 7]));
  });

  it.each(FORMS.filter(([op, opset]) => opset === (op === 'ReduceSum' ? 13 : 18)))('%s-%i: empty axes input with noop_with_empty_axes', async (op, opset) => {
    await compare(`${op} empty axes noop`, reduceCase(op, opset, [], [int('noop_with_empty_axes', 1)]));
    await compare(`${op} empty axes reduce all`, reduceCase(op, opset, [], [int('noop_with_empty_axes', 0), int('keepdims', 0)]));
    await compare(`${op} no axes noop`, reduceCase(op, opset, undefined, [int('noop_with_empty_axes', 1)]));
  });

  it.each(['ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceL2'])('%s of an empty set', async (op) => {
    await compare(`${op} empty set`, reduceCase(op, 18, [1], [int('keepdims', 1)], [2, 0, 4]));
    await compare(`${op} empty set, non-reduced axis zero`, reduceCase(op, 18, [2], [int('keepdims', 1)], [2, 0, 4]));
  });
});

/** LayerNormalization at `axis` of shape x: Scale and B of the normalized shape, all three outputs. */
function layerNormCase(x: number[], axis: number | undefined, seed: number, opts: { eps?: number; bias?: boolean; outputs?: number } = {}): Case {
  const r = rng(seed);
  const a = axis === undefined ? x.length - 1 : axis < 0 ? axis + x.length : axis;
  const normShape = x.slice(a);
  const attrs = [...(axis === undefined ? [] : [int('axis', axis)]), ...(opts.eps === undefined ? [] : [float('epsilon', opts.eps)])];
  const bias = opts.bias ?? true;
  const outputs = ['y', 'mean', 'invStd'].slice(0, opts.outputs ?? 3);
  return {
    opset: 17,
    x,
    nodes: [{ opType: 'LayerNormalization', input: ['x', 'scale', ...(bias ? ['bias'] : [])], output: outputs, attribute: attrs }],
    init: [f32('scale', normShape, randArray(size(normShape), r, -2, 2)), ...(bias ? [f32('bias', normShape, randArray(size(normShape), r, -2, 2))] : [])],
    outputs,
  };
}

describe('normalizations match onnxruntime', () => {
  it('LayerNormalization at every axis of 2-D, 3-D (epsilon) and 4-D inputs, and the default axis', async () => {
    const seed = freshSeed();
    for (const [x, eps] of [[[2, 3]], [[2, 3, 5], 0.1], [[2, 3, 4, 5]]] as [number[], number?][]) {
      for (let axis = -x.length; axis < x.length; axis++) await compare(`LayerNormalization [${x}] axis ${axis}`, layerNormCase(x, axis, seed, { eps }));
    }
    await compare('LayerNormalization default axis', layerNormCase([2, 3, 4, 5], undefined, seed));
  });

  it('LayerNormalization without B, with only Y, with a broadcast Scale', async () => {
    const seed = freshSeed();
    await compare('LayerNormalization no bias', layerNormCase([4, 6, 8], -1, seed, { bias: false }));
    await compare('LayerNormalization Y only', layerNormCase([4, 6, 8], 1, seed, { outputs: 1 }));
    const r = rng(seed);
    await compare('LayerNormalization Scale [1, 8]', {
      opset: 17,
      x: [4, 6, 8],
      nodes: [{ opType: 'LayerNormalization', input: ['x', 'scale', 'bias'], output: ['y'], attribute: [int('axis', 1)] }],
      init: [f32('scale', [1, 8], randArray(8, r)), f32('bias', [6, 1], randArray(6, r))],
    });
  });

  it("the exporters' decomposed LayerNorm: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add", async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const n = (opType: string, input: string[], output: string, attribute: Attr[] = []) => ({ opType, input, output: [output], attribute });
    await compare('decomposed LayerNorm', {
      opset: 13,
      x: [2, 5, 16],
      nodes: [
        n('ReduceMean', ['x'], 'mu', [ints('axes', [-1])]),
        n('Sub', ['x', 'mu'], 'd'),
        n('Pow', ['d', 'two'], 'd2'),
        n('ReduceMean', ['d2'], 'var', [ints('axes', [-1])]),
        n('Add', ['var', 'eps'], 've'),
        n('Sqrt', ['ve'], 'sd'),
        n('Div', ['d', 'sd'], 'xn'),
        n('Mul', ['xn', 'gamma'], 'xs'),
        n('Add', ['xs', 'beta'], 'y'),
      ],
      init: [f32('two', [], Float32Array.of(2)), f32('eps', [], Float32Array.of(1e-5)), f32('gamma', [16], randArray(16, r)), f32('beta', [16], randArray(16, r))],
    });
  });

  it('InstanceNormalization (ONNX example and epsilon cases)', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    for (const [x, eps] of [[[1, 2, 1, 3], undefined], [[2, 3, 4, 5], 1e-2], [[2, 4, 9], undefined]] as [number[], number?][]) {
      const C = x[1];
      await compare(`InstanceNormalization [${x}]`, {
        opset: 9,
        x,
        nodes: [{ opType: 'InstanceNormalization', input: ['x', 's', 'b'], output: ['y'], attribute: eps === undefined ? [] : [float('epsilon', eps)] }],
        init: [f32('s', [C], randArray(C, r, -2, 2)), f32('b', [C], randArray(C, r, -2, 2))],
      });
    }
  });

  // onnxruntime has no BatchNormalization before opset 7
  it.each([7, 9, 14, 15])('standalone BatchNormalization-%i (no Conv to fold into)', async (opset) => {
    const r = rng(freshSeed());
    const C = 3;
    const attrs = [float('epsilon', 1e-2), ...(opset === 7 ? [int('spatial', 1)] : [])];
    await compare(`BatchNormalization-${opset}`, {
      opset,
      x: [2, C, 4, 5],
      nodes: [{ opType: 'BatchNormalization', input: ['x', 's', 'b', 'm', 'v'], output: ['y'], attribute: attrs }],
      init: [f32('s', [C], randArray(C, r, 0.5, 1.5)), f32('b', [C], randArray(C, r)), f32('m', [C], randArray(C, r)), f32('v', [C], randArray(C, r, 0.1, 2))],
    });
  });

  it.each([9, 13])('LRN at opset %i: ONNX test parameters and defaults', async (opset) => {
    await compare('LRN', { opset, x: [5, 5, 5, 5], nodes: [{ opType: 'LRN', input: ['x'], output: ['y'], attribute: [float('alpha', 0.0002), float('beta', 0.5), float('bias', 2), int('size', 3)] }] });
    await compare('LRN default', { opset, x: [5, 5, 5, 5], nodes: [{ opType: 'LRN', input: ['x'], output: ['y'], attribute: [int('size', 3)] }] });
    await compare('LRN AlexNet', { opset, x: [1, 96, 6, 6], nodes: [{ opType: 'LRN', input: ['x'], output: ['y'], attribute: [float('alpha', 1e-4), float('beta', 0.75), float('bias', 1), int('size', 5)] }] });
  });
});
