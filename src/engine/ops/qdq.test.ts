// QuantizeLinear / DequantizeLinear in the engine vs onnxruntime, exact (atol 0) on fresh random data
// with rounding ties: fused Q→DQ and Q→Clip→DQ (one FakeQuant), codes as outputs (Clip on carried
// integers), blocked int4 on data (opset 21), and int4 weights dequantized at plan time into a Conv
// (Conv within rtol 1e-5: its sums' order differs).
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx } from '../../onnx/proto/onnx';
import { Session } from '../session';
import { DT, makeTensor } from '../../onnx/dtype';
import { expectClose, freshSeed, rng, size, testGpu } from '../../test/helpers';

type NodeSpec = [op: string, inputs: string[], outputs: string[], attrs?: Record<string, number>];
interface Case {
  opset: number;
  nodes: NodeSpec[];
  /** The data input x: its shape and the scale its ties are drawn at. */
  x: [shape: number[], tieScale: number];
  consts: Record<string, [dtype: number, dims: number[], values: number[]]>;
  outputs: Record<string, number>;
  /** Op types that must (or must not, with '!') appear among the GPU ops. */
  ran: string[];
  /** Exact unless a sum's order differs (Conv). */
  tol?: { rtol: number; atol: number };
}

function build(c: Case): Uint8Array {
  const vi = (name: string, elemType: number, dims?: number[]) => ({ name, type: { tensorType: { elemType, shape: dims ? { dim: dims.map((d) => ({ dimValue: d })) } : undefined } } });
  return onnx.ModelProto.encode({
    irVersion: c.opset >= 21 ? 10 : 7,
    opsetImport: [{ domain: '', version: c.opset }],
    graph: {
      name: 'g',
      node: c.nodes.map(([opType, input, output, attrs], k) => ({ opType, name: `n${k}`, input, output, attribute: Object.entries(attrs ?? {}).map(([name, i]) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i })) })),
      input: [vi('x', DT.FLOAT, c.x[0])],
      output: Object.entries(c.outputs).map(([n, t]) => vi(n, t)),
      initializer: Object.entries(c.consts).map(([name, [dataType, dims, v]]) => ({ name, dataType, dims, rawData: makeTensor(name, dataType, dims, v).raw })),
    },
  }).finish();
}

const F = DT.FLOAT;
const CASES: Record<string, Case> = {
  'Q→DQ uint8 per axis 1 (one FakeQuant)': {
    opset: 13,
    nodes: [['QuantizeLinear', ['x', 's', 'z'], ['q']], ['DequantizeLinear', ['q', 's', 'z'], ['y']]],
    x: [[2, 3, 4, 5], 0.05],
    consts: { s: [F, [3], [0.05, 0.1, 0.025]], z: [DT.UINT8, [3], [128, 3, 250]] },
    outputs: { y: F },
    ran: ['FakeQuant', '!QuantizeLinear'],
  },
  'Q→Clip→DQ int8 per tensor, 4-bit codes (one FakeQuant)': {
    opset: 13,
    nodes: [['QuantizeLinear', ['x', 's', 'z'], ['q']], ['Clip', ['q', 'lo', 'hi'], ['c']], ['DequantizeLinear', ['c', 's', 'z'], ['y']]],
    x: [[3, 40], 0.1],
    consts: { s: [F, [], [0.1]], z: [DT.INT8, [], [1]], lo: [DT.INT8, [], [-8]], hi: [DT.INT8, [], [7]] },
    outputs: { y: F },
    ran: ['FakeQuant', '!Clip'],
  },
  'Q→Clip→DQ with the codes as an output (Clip on carried integers)': {
    opset: 13,
    nodes: [['QuantizeLinear', ['x', 's', 'z'], ['q']], ['Clip', ['q', 'lo', 'hi'], ['c']], ['DequantizeLinear', ['c', 's', 'z'], ['y']]],
    x: [[4, 30], 0.07],
    consts: { s: [F, [], [0.07]], z: [DT.UINT8, [], [9]], lo: [DT.UINT8, [], [0]], hi: [DT.UINT8, [], [15]] },
    outputs: { y: F, c: DT.UINT8 },
    ran: ['QuantizeLinear', 'Clip', 'DequantizeLinear'],
  },
  'Q→DQ int4 blocked (block 2, axis 1), opset 21': {
    opset: 21,
    nodes: [['QuantizeLinear', ['x', 's', 'z'], ['q'], { axis: 1, block_size: 2 }], ['DequantizeLinear', ['q', 's', 'z'], ['y'], { axis: 1, block_size: 2 }]],
    x: [[3, 5], 0.2],
    consts: { s: [F, [3, 3], [0.2, 0.1, 0.4, 0.3, 0.2, 0.05, 0.1, 0.2, 0.4]], z: [DT.INT4, [3, 3], [0, 1, -2, 3, 0, 7, -8, 0, 2]] },
    outputs: { y: F },
    ran: ['QuantizeLinear', 'DequantizeLinear'],
  },
  'Q uint8 → DQ with another scale (two dispatches)': {
    opset: 13,
    nodes: [['QuantizeLinear', ['x', 's', 'z'], ['q']], ['DequantizeLinear', ['q', 's2', 'z'], ['y']]],
    x: [[2, 50], 0.03],
    consts: { s: [F, [], [0.03]], s2: [F, [], [0.5]], z: [DT.UINT8, [], [100]] },
    outputs: { y: F },
    ran: ['QuantizeLinear', 'DequantizeLinear'],
  },
  'int4 weight per axis 0 → DQ (folded at plan time) → Conv, opset 21': {
    opset: 21,
    nodes: [['DequantizeLinear', ['wq', 'ws', 'wz'], ['w'], { axis: 0 }], ['Conv', ['x', 'w'], ['y']]],
    x: [[1, 2, 5, 5], 0.1],
    consts: {
      wq: [DT.INT4, [3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => ((i * 7) % 16) - 8)],
      ws: [F, [3], [0.01, 0.02, 0.05]],
      wz: [DT.INT4, [3], [0, -1, 2]],
    },
    outputs: { y: F },
    ran: ['Conv', '!DequantizeLinear'],
    tol: { rtol: 1e-5, atol: 1e-6 },
  },
};

/** Random x with every other element an exact tie (k + 1/2)·s of the given scale. */
function data(c: Case, r: () => number): Float32Array {
  const [shape, s] = c.x;
  return Float32Array.from({ length: size(shape) }, (_, i) => (i % 2 ? Math.fround(s * (Math.floor(r() * 40) - 20 + 0.5)) : (r() * 2 - 1) * s * 30));
}

describe('QuantizeLinear / DequantizeLinear vs onnxruntime', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const c = CASES[name];
    const seed = freshSeed();
    const feed = { data: data(c, rng(seed)), shape: c.x[0] };
    const bytes = build(c);
    const session = await Session.load(await testGpu(), bytes, `${name}.onnx`);
    const ours = await session.run({ x: feed });
    const ref = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const theirs = await ref.run({ x: new ort.Tensor('float32', feed.data, feed.shape) });
    for (const o of Object.keys(c.outputs)) {
      expect(ours[o].shape, `${o} shape`).toEqual(theirs[o].dims);
      // (int4 outputs are not compared here: onnxruntime-node cannot return them)
      expectClose(ours[o].data, Array.from(theirs[o].data as ArrayLike<number>, Number), c.tol ?? { rtol: 0, atol: 0 }, `${name} output ${o} seed ${seed}`);
    }
    const ran = Object.keys(session.summary.preparedOpCounts ?? {});
    for (const op of c.ran) {
      if (op.startsWith('!')) expect(ran, `${op.slice(1)} does not run on the GPU`).not.toContain(op.slice(1));
      else expect(ran, `${op} runs on the GPU`).toContain(op);
    }
    await ref.release();
    session.dispose();
  });
});
