// exposeCodes and fedGraph on a small model: every activation quantizer found (also one on a graph
// input and one on a graph output), its codes exposed with the right type and offset, nothing else
// changed; the fed fake-quant graph reads each quantizer's output from an input of that name.
import { describe, expect, it } from 'vitest';
import type { Model, Node } from '../graph/ir';
import { normalizeGraph } from '../graph/normalize';
import { DT, makeTensor } from '../onnx/dtype';
import { readModel } from '../onnx/read';
import { randArray, rng } from '../test/helpers';
import { minMaxState, ortRun } from '../test/qdq-reference';
import { quantizedGraph } from './apply';
import { exportQdq } from './export-qdq';
import { dequantizeCodes, exposeCodes, fedGraph, quantizeLinear } from './qdq-probe';

const vi = (name: string, shape: (number | string)[]) => ({ name, dataType: DT.FLOAT, shape });
const node = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });

/** x[N,8] → Gemm(transB) → Relu → r → MatMul → y (a graph output). */
function model(): Model {
  const r = rng(11);
  const w = (name: string, dims: number[]) => makeTensor(name, DT.FLOAT, dims, randArray(dims.reduce((a, b) => a * b, 1), r));
  const inits = [w('W1', [6, 8]), w('b1', [6]), w('W2', [6, 5])];
  return {
    irVersion: 8, opsets: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '', domain: '', modelVersion: 1, docString: '', metadata: [], passthrough: {},
    graph: {
      name: 'small', inputs: [vi('x', ['N', 8])], outputs: [vi('y', ['N', 5])], valueInfo: [], passthrough: {},
      initializers: new Map(inits.map((t) => [t.name, t])),
      nodes: [node('gemm', 'Gemm', ['x', 'W1', 'b1'], ['h'], { transB: { type: 'int', value: 1 } }), node('relu', 'Relu', ['h'], ['r']), node('matmul', 'MatMul', ['r', 'W2'], ['y'])],
    },
  };
}

describe('exposeCodes', () => {
  it.each([
    [13, false],
    [13, true],
    [21, true],
  ] as const)('opset %i, signed activations %s: codes exposed as the file computes them', async (opset, signed) => {
    const m = model();
    const g = normalizeGraph(m.graph);
    const x = randArray(4 * 8, rng(12), -2, 2);
    const state = await minMaxState(m, g, { wBits: 4, aBits: 4, wSigned: false, aSigned: signed }, ['x', 'r', 'y'], { x: { data: x, shape: [4, 8] } });
    const exported = exportQdq(m, g, state, { opset });
    const { bytes, probes } = exposeCodes(exported, state);
    expect(probes.map((p) => p.act.tensor)).toEqual(['x', 'r', 'y']); // topological order
    expect(probes.map((p) => p.offset)).toEqual(Array(3).fill(signed && opset === 21 ? 128 : 0));
    const out = readModel(bytes).graph;
    expect(out.outputs.map((o) => [o.name, o.dataType])).toEqual([['y', DT.FLOAT], ...probes.map((p) => [p.output, signed && opset === 13 ? DT.INT8 : DT.UINT8])]);
    expect(out.nodes).toEqual(readModel(exported).graph.nodes);
    const got = await ortRun(bytes, { x: { data: x, shape: [4, 8] } });
    const codes = probes.map((p) => Array.from(got[p.output]));
    expect(codes[0]).toEqual(Array.from(x, (v) => quantizeLinear(v, probes[0].act) + probes[0].offset));
    expect(Array.from(dequantizeCodes(probes[2], codes[2]))).toEqual(Array.from(got.y)); // the graph output is DQ of its codes
  });
});

describe('fedGraph', () => {
  it('reads every FakeQuant output from a graph input of its name and keeps the FakeQuant as ::own', async () => {
    const m = model();
    const g = normalizeGraph(m.graph);
    const state = await minMaxState(m, g, { wBits: 4, aBits: 4, wSigned: false, aSigned: false }, ['r'], { x: { data: randArray(16, rng(3), -2, 2), shape: [2, 8] } });
    const q = quantizedGraph(g, state);
    const fed = fedGraph(q);
    expect(fed.inputs.map((v) => v.name)).toEqual(['x', 'r::fq']);
    expect(fed.nodes.find((n) => n.opType === 'FakeQuant')?.outputs).toEqual(['r::fq::own']);
    expect(fed.nodes.find((n) => n.opType === 'MatMul')?.inputs[0]).toBe('r::fq');
    expect(q.inputs.map((v) => v.name)).toEqual(['x']); // the graph it came from is unchanged
  });
});
