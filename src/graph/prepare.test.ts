// Graph preparation against onnxruntime: BN folding, Identity/Dropout removal, initializers
// listed as inputs, constant folding of ResNet-20's shortcut subgraph, and old-opset attributes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { onnx } from '../onnx/proto/onnx';
import { Session } from '../engine/session';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../test/helpers';
import { resnet20 } from '../data/test-paths';

type Attr = onnx.IAttributeProto;
const ints = (name: string, v: number[]): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const float = (name: string, v: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
const int = (name: string, v: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
const tensor = (name: string, dims: number[], data: Float32Array): onnx.ITensorProto => ({ name, dataType: 1, dims, floatData: [...data] });

function build(opset: number, nodes: onnx.INodeProto[], inputShape: number[], init: onnx.ITensorProto[], initAsInputs = false) {
  const vi = (name: string, dims?: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: dims ? { dim: dims.map((d) => ({ dimValue: d })) } : undefined } } });
  return onnx.ModelProto.encode({
    irVersion: opset < 9 ? 3 : 7,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g',
      node: nodes,
      input: [vi('x', inputShape), ...(initAsInputs ? init.map((t) => vi(t.name!, t.dims as number[])) : [])],
      output: [vi('y')],
      initializer: init,
    },
  }).finish();
}

async function compareWithOrt(bytes: Uint8Array, shape: number[], seed: number) {
  const x = randArray(shape.reduce((a, b) => a * b, 1), rng(seed), -2, 2);
  const session = await Session.load(await testGpu(), bytes, 'm.onnx');
  const ours = (await session.run({ x: { data: x, shape } })).y;
  const ref = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const theirs = (await ref.run({ x: new ort.Tensor('float32', x, shape) })).y;
  expect(ours.shape).toEqual(theirs.dims);
  expectClose(ours.data, theirs.data as Float32Array, { rtol: 1e-4, atol: 1e-5 }, `seed ${seed}`);
  return session;
}

describe('graph preparation', () => {
  it('folds BatchNormalization into Conv and drops Identity/Dropout (weights listed as inputs, IR 3)', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const C = 3;
    const M = 5;
    const init = [
      tensor('w', [M, C, 3, 3], randArray(M * C * 9, r)),
      tensor('b', [M], randArray(M, r)),
      tensor('scale', [M], randArray(M, r, 0.5, 1.5)),
      tensor('shift', [M], randArray(M, r)),
      tensor('mean', [M], randArray(M, r)),
      tensor('var', [M], randArray(M, r, 0.1, 2)),
    ];
    const bytes = build(
      9,
      [
        { opType: 'Identity', name: 'id', input: ['x'], output: ['x1'] },
        { opType: 'Conv', name: 'conv', input: ['x1', 'w', 'b'], output: ['c'], attribute: [ints('pads', [1, 1, 1, 1])] },
        { opType: 'BatchNormalization', name: 'bn', input: ['c', 'scale', 'shift', 'mean', 'var'], output: ['n'], attribute: [float('epsilon', 1e-3)] },
        { opType: 'Dropout', name: 'drop', input: ['n'], output: ['d'] },
        { opType: 'Relu', name: 'relu', input: ['d'], output: ['y'] },
      ],
      [2, C, 7, 6],
      init,
      true,
    );
    const s = await compareWithOrt(bytes, [2, C, 7, 6], seed);
    expect(s.summary.inputs.map((i) => i.name)).toEqual(['x']);
    expect(s.summary.preparedOpCounts).toEqual({ Conv: 1 }); // BN folded, Relu fused, Identity/Dropout gone
  });

  it('reads opset-9 attribute forms (Clip, Slice, Pad, Unsqueeze, Squeeze, Softmax coercion)', async () => {
    const seed = freshSeed();
    const bytes = build(
      9,
      [
        { opType: 'Clip', name: 'clip', input: ['x'], output: ['a'], attribute: [float('min', -0.5), float('max', 1.5)] },
        { opType: 'Slice', name: 'slice', input: ['a'], output: ['b'], attribute: [ints('starts', [1, -5]), ints('ends', [100, 2 ** 63]), ints('axes', [1, 3])] },
        { opType: 'Pad', name: 'pad', input: ['b'], output: ['p'], attribute: [ints('pads', [0, 0, 1, 2, 0, 1, 0, 1]), float('value', 0.25)] },
        { opType: 'Unsqueeze', name: 'unsq', input: ['p'], output: ['u'], attribute: [ints('axes', [0])] },
        { opType: 'Squeeze', name: 'sq', input: ['u'], output: ['q'], attribute: [ints('axes', [0])] },
        { opType: 'Softmax', name: 'softmax', input: ['q'], output: ['y'], attribute: [int('axis', 2)] },
      ],
      [2, 4, 5, 6],
      [],
    );
    await compareWithOrt(bytes, [2, 4, 5, 6], seed);
  });

  it('folds the shape subgraph of ResNet-20 shortcuts: no shape op reaches the GPU', async () => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    expect(s.summary.opCounts.Shape).toBeGreaterThan(0);
    const gpuOps = Object.keys(s.summary.preparedOpCounts).sort();
    for (const op of ['Shape', 'Gather', 'ConstantOfShape', 'Concat', 'Cast', 'Transpose', 'Unsqueeze', 'Constant']) expect(gpuOps).not.toContain(op);
    expect(s.summary.preparedOpCounts.Conv).toBe(19);
  });
});
