// Parameters computed from initializers become initializers at load (fold-weights.ts): a Gemm
// weight behind Transpose, a Conv weight from ConstantOfShape·Mul, BatchNormalization parameters
// behind Identity-free arithmetic (then folded into the Conv); a data-dependent MatMul operand and
// a shape computation shared with data are left alone; outputs equal onnxruntime's.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Model, Node } from '../graph/ir';
import { DT, makeTensor } from '../onnx/dtype';
import { writeModel } from '../onnx/write';
import { randArray, rng, testGpu } from '../test/helpers';
import { foldParameters, prepareGraph } from './fold-weights';
import { normalizeGraph } from '../graph/normalize';
import { Session } from './session';

const n = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });

function model(): Model {
  const r = rng(3);
  const f = (name: string, dims: number[], lo = -0.5, hi = 0.5) => makeTensor(name, DT.FLOAT, dims, randArray(dims.reduce((a, b) => a * b, 1), r, lo, hi));
  const inits = [
    makeTensor('wshape', DT.INT64, [4], [4, 3, 3, 3]),
    makeTensor('half', DT.FLOAT, [1], [0.05]),
    f('bn.scale', [4], 0.5, 1.5), f('bn.bias', [4]), f('bn.mean', [4]), f('bn.var.raw', [4], 0.1, 1),
    makeTensor('one', DT.FLOAT, [1], [1]),
    f('fc.wt', [4, 5]), f('fc.b', [5]),
  ];
  const nodes = [
    n('cos', 'ConstantOfShape', ['wshape'], ['ones'], { value: { type: 'tensor', value: makeTensor('v', DT.FLOAT, [1], [1]) } }),
    n('wmul', 'Mul', ['ones', 'half'], ['w']),
    n('conv', 'Conv', ['x', 'w'], ['c'], { pads: { type: 'ints', value: [1, 1, 1, 1] } }),
    n('var', 'Add', ['bn.var.raw', 'one'], ['bn.var']),
    n('bn', 'BatchNormalization', ['c', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], ['b']),
    n('gap', 'GlobalAveragePool', ['b'], ['g']),
    n('flat', 'Flatten', ['g'], ['fl']),
    n('tw', 'Transpose', ['fc.wt'], ['fc.w'], { perm: { type: 'ints', value: [1, 0] } }),
    n('fc', 'Gemm', ['fl', 'fc.w', 'fc.b'], ['y'], { transB: { type: 'int', value: 1 } }),
    n('gram', 'MatMul', ['fl', 'flT'], ['z']),
    n('tf', 'Transpose', ['fl'], ['flT'], { perm: { type: 'ints', value: [1, 0] } }),
  ];
  const vi = (name: string, shape: (number | string)[]) => ({ name, dataType: DT.FLOAT, shape });
  return {
    irVersion: 8, opsets: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '', domain: '', modelVersion: 0, docString: '', metadata: [],
    graph: { name: 'g', nodes, inputs: [vi('x', [2, 3, 8, 8])], outputs: [vi('y', [2, 5]), vi('z', [2, 2])], initializers: new Map(inits.map((t) => [t.name, t])), valueInfo: [], passthrough: {} },
    passthrough: {},
  };
}

describe('constant parameters folded at load', () => {
  it('weights behind ConstantOfShape/Mul and Transpose, BN parameters; data-dependent operands stay', async () => {
    const m = model();
    const once = foldParameters(normalizeGraph(m.graph), 13);
    expect(once.initializers.get('w')!.dims).toEqual([4, 3, 3, 3]);
    expect(once.initializers.get('fc.w')!.dims).toEqual([5, 4]);
    expect(once.initializers.has('bn.var')).toBe(true);
    expect(once.initializers.has('flT')).toBe(false);
    expect(once.nodes.map((x) => x.name)).toEqual(['conv', 'bn', 'gap', 'flat', 'fc', 'gram', 'tf']);
    // and BatchNormalization then folds into the Conv
    const g = prepareGraph(m.graph, 13);
    expect(g.nodes.map((x) => x.opType)).toEqual(['Conv', 'GlobalAveragePool', 'Flatten', 'Gemm', 'MatMul', 'Transpose']);
    const same = normalizeGraph(g);
    expect(foldParameters(same, 13)).toBe(same); // nothing left to fold

    const s = await Session.fromModel(await testGpu(), m, 'fold.onnx');
    const x = { data: randArray(2 * 3 * 64, rng(8), -1, 1), shape: [2, 3, 8, 8] };
    const ours = await s.run({ x });
    const theirs = await (await ort.InferenceSession.create(writeModel(m), { logSeverityLevel: 3 })).run({ x: new ort.Tensor('float32', x.data, x.shape) });
    for (const out of ['y', 'z']) {
      const want = theirs[out].data as Float32Array;
      ours[out].data.forEach((v, i) => expect(Math.abs(v - want[i]), `${out}[${i}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(want[i])));
    }
    s.dispose();
  });
});
