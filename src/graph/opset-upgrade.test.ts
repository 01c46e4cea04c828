// Opset upgrade against onnxruntime: the upgraded graph computes what the original computed, for
// the ops whose attributes became inputs and for Softmax's old 2-D coercion; unconvertible ops fail.
import { describe, expect, it } from 'vitest';
import type { Attr, Model, Node } from './ir';
import { upgradeOpset } from './opset-upgrade';
import { DT, makeTensor } from '../onnx/dtype';
import { writeModel } from '../onnx/write';
import { isStudioError } from '../engine/errors';
import { expectClose, freshSeed, randArray, rng } from '../test/helpers';
import { ortRun } from '../test/qdq-reference';

const ints = (value: number[]): Attr => ({ type: 'ints', value });
const int = (value: number): Attr => ({ type: 'int', value });
const float = (value: number): Attr => ({ type: 'float', value });
const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node => ({ name: `n_${outputs[0]}`, opType, domain: '', inputs, outputs, attrs });

function model(opset: number, nodes: Node[], outputs: string[], shape: number[]): Model {
  return {
    irVersion: opset < 9 ? 3 : 7, opsets: [{ domain: '', version: opset }], producerName: 'test', producerVersion: '', domain: '', modelVersion: 1, docString: '', metadata: [], passthrough: {},
    graph: {
      name: 'g', nodes, inputs: [{ name: 'x', dataType: DT.FLOAT, shape }], outputs: outputs.map((name) => ({ name, dataType: DT.FLOAT })),
      initializers: new Map([['w', makeTensor('w', DT.FLOAT, [shape[shape.length - 1]], randArray(shape[shape.length - 1], rng(1)))]]), valueInfo: [], passthrough: {},
    },
  };
}

async function expectSame(m: Model, to: number, shape: number[]) {
  const seed = freshSeed();
  const x = { x: { data: randArray(shape.reduce((a, b) => a * b, 1), rng(seed), -2, 2), shape } };
  const from = m.opsets[0].version;
  const up: Model = { ...m, irVersion: 8, opsets: [{ domain: '', version: to }], graph: upgradeOpset(m.graph, from, to) };
  const [want, got] = [await ortRun(writeModel(m), x), await ortRun(writeModel(up), x)];
  for (const o of m.graph.outputs) expectClose(got[o.name], want[o.name], { rtol: 1e-6, atol: 1e-7 }, `${o.name}, opset ${from} → ${to}, seed ${seed}`);
}

describe('upgradeOpset', () => {
  const shape = [2, 3, 4];
  const opset11 = model(11, [
    node('Unsqueeze', ['x'], ['u'], { axes: ints([0]) }),
    node('Squeeze', ['u'], ['s'], { axes: ints([0]) }),
    node('ReduceMean', ['s'], ['mean'], { axes: ints([1]), keepdims: int(1) }),
    node('ReduceSum', ['s'], ['sum'], { axes: ints([2]), keepdims: int(0) }),
    node('ReduceMax', ['s'], ['max'], { axes: ints([0, 2]) }),
    node('Softmax', ['s'], ['soft'], { axis: int(1) }),
    node('LogSoftmax', ['s'], ['logsoft']),
    node('Split', ['s'], ['a', 'b'], { axis: int(2), split: ints([1, 3]) }),
    node('Split', ['s'], ['c', 'd'], { axis: int(2) }),
    node('Add', ['x', 'w'], ['plus']),
  ], ['mean', 'sum', 'max', 'soft', 'logsoft', 'a', 'b', 'c', 'd', 'plus'], shape);

  it.each([13, 18, 21])('opset 11 → %i: Squeeze/Unsqueeze/Reduce*/Split/Softmax compute the same', (to) => expectSame(opset11, to, shape));

  it('opset 9 → 13: Slice, Pad and Clip attributes become inputs', () =>
    expectSame(model(9, [
      node('Slice', ['x'], ['sl'], { starts: ints([0, 1]), ends: ints([2, 3]), axes: ints([0, 2]) }),
      node('Pad', ['x'], ['pad'], { pads: ints([0, 1, 0, 0, 2, 1]), value: float(0.5) }),
      node('Clip', ['x'], ['clip'], { min: float(-0.5), max: float(0.75) }),
      node('Clip', ['x'], ['clipmax'], { max: float(0.25) }),
    ], ['sl', 'pad', 'clip', 'clipmax'], shape), 13, shape));

  it('leaves a graph at or above the target as it is, and names what it cannot convert', () => {
    expect(upgradeOpset(opset11.graph, 13, 13).nodes).toEqual(opset11.graph.nodes);
    const m = model(9, [node('Upsample', ['x', 'w'], ['y'])], ['y'], shape);
    try {
      upgradeOpset(m.graph, 9, 13);
      expect.unreachable();
    } catch (e) {
      expect(isStudioError(e) && e.code === 'unsupported-ops' && e.message).toMatch(/"n_y" \(Upsample\): Upsample was replaced by Resize/);
    }
  });
});
