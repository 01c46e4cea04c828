// Bias initializers shared by weighted nodes (directly or through Identity) are copied per node by
// graph preparation, values unchanged; an unshared bias and the model's own graph stay as they were.
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from './ir';
import { normalizeGraph } from './normalize';
import { DT, makeTensor, tensorValues } from '../onnx/dtype';

const node = (name: string, opType: string, inputs: string[], outputs: string[]): Node => ({ name, opType, domain: '', inputs, outputs, attrs: {} });
const vi = (name: string) => ({ name, dataType: DT.FLOAT, shape: [1, 2, 4, 4] });

describe('untieBiases', () => {
  it('gives each Conv reading a shared bias its own copy', () => {
    const init = new Map([
      ['w1', makeTensor('w1', DT.FLOAT, [2, 2, 1, 1], [1, 0, 0, 1])],
      ['w2', makeTensor('w2', DT.FLOAT, [2, 2, 1, 1], [2, 0, 0, 2])],
      ['w3', makeTensor('w3', DT.FLOAT, [2, 2, 1, 1], [3, 0, 0, 3])],
      ['b', makeTensor('b', DT.FLOAT, [2], [0.5, -0.5])],
      ['b3', makeTensor('b3', DT.FLOAT, [2], [1, 2])],
    ]);
    const g: Graph = {
      name: 'g',
      nodes: [
        node('id', 'Identity', ['b'], ['b_alias']),
        node('c1', 'Conv', ['x', 'w1', 'b'], ['y1']),
        node('c2', 'Conv', ['y1', 'w2', 'b_alias'], ['y2']),
        node('c3', 'Conv', ['y2', 'w3', 'b3'], ['y']),
      ],
      inputs: [vi('x')],
      outputs: [vi('y')],
      initializers: init,
      valueInfo: [],
      passthrough: {},
    };
    const p = normalizeGraph(g);
    const [c1, c2, c3] = p.nodes;
    expect(p.nodes.map((n) => n.opType)).toEqual(['Conv', 'Conv', 'Conv']);
    expect(c1.inputs[2]).not.toBe(c2.inputs[2]);
    expect(new Set([c1.inputs[2], c2.inputs[2], 'b', 'b3']).size).toBe(4);
    for (const n of [c1, c2]) expect([...tensorValues(p.initializers.get(n.inputs[2])!)]).toEqual([0.5, -0.5]);
    expect(c3.inputs[2]).toBe('b3');
    expect(g.nodes[1].inputs[2]).toBe('b'); // the model's graph is not modified
  });
});
