// Every weighted layer is quantized: MNIST-8's MatMul, whose weight is a Reshape of an initializer
// (folded at load), on the studio's grid and in the QDQ export with onnxruntime agreeing on the
// MNIST test images; a grouped, strided ConvTranspose quantized per output channel (axis 1 of
// [C_in, C_out/g, k, k]) and exported with DequantizeLinear axis=1; and a data×data MatMul is left
// float with its reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Model, Node } from '../graph/ir';
import { DT, makeTensor } from '../onnx/dtype';
import { readModel } from '../onnx/read';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { PRESETS } from '../data/presets';
import { mnist8, mnistImages, sharedMissing } from '../data/test-paths';
import { randArray, rng, testGpu } from '../test/helpers';
import { calibrate } from './calibrate';
import { exportQdq } from './export-qdq';
import { place } from './placement';
import { DEFAULT_CONFIG, type QuantConfig } from './types';

const relL2 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) [num, den] = [num + (a[i] - b[i]) ** 2, den + b[i] ** 2];
  return Math.sqrt(num / den);
};
const argmax = (a: ArrayLike<number>, off: number, n: number) => {
  let best = 0;
  for (let k = 1; k < n; k++) if (a[off + k] > a[off + best]) best = k;
  return best;
};

describe.skipIf(!!sharedMissing)('MNIST-8: the MatMul classifier behind a Reshape is quantized', () => {
  it.each([8, 4])('W%iA8: three weight tensors; onnxruntime on the export = studio on 200 images', async (wBits) => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(mnist8)), 'mnist-8.onnx');
    const config: QuantConfig = { ...DEFAULT_CONFIG, wBits, aBits: 8, firstLast8bit: false, wObserver: 'minmax', aObserver: 'minmax', calibCount: 32 };
    const p = place(s.graph, config);
    expect(p.layers.map((l) => [l.node.opType, l.dims])).toEqual([['Conv', [8, 1, 5, 5]], ['Conv', [16, 8, 5, 5]], ['MatMul', [256, 10]]]);
    expect(p.float).toEqual([]);
    const calib = openImageSet(mnistImages, PRESETS.mnist, { limit: 32 });
    const state = await calibrate(s, config, { batches: () => [...calib.batches(1)].map((b) => ({ data: b.data, shape: b.shape })), batchCount: 32 });
    const mm = state.weights.find((w) => w.node === 'Times212')!;
    expect([mm.axis, mm.range.bits, mm.scales.length]).toEqual([1, wBits, 10]);
    const session = await ort.InferenceSession.create(exportQdq(s.model, s.graph, state, { opset: 13 }), { logSeverityLevel: 3 });
    const test = openImageSet(mnistImages, PRESETS.mnist, { limit: 200 });
    let agree = 0;
    let worst = 0;
    for (const b of test.batches(1)) {
      const ours = (await s.run({ Input3: { data: b.data, shape: b.shape } }, { quant: true })).Plus214_Output_0.data;
      const theirs = (await session.run({ Input3: new ort.Tensor('float32', b.data, b.shape) })).Plus214_Output_0.data as Float32Array;
      if (argmax(ours, 0, 10) === argmax(theirs, 0, 10)) agree++;
      worst = Math.max(worst, relL2(ours, theirs));
    }
    console.log(`MNIST-8 W${wBits}A8: top-1 agreement onnxruntime/studio ${agree}/200, worst relative L2 ${worst.toExponential(2)}`);
    expect(agree).toBeGreaterThanOrEqual(199);
    expect(worst).toBeLessThan(1e-3);
    s.dispose();
  });
});

const n = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });
const ints = (value: number[]) => ({ type: 'ints' as const, value });

/** x [N,4,6,6] → Conv → Relu → ConvTranspose(group 2, stride 2, output_padding 1, bias) → Relu → Conv → y; and a data×data MatMul. */
function upModel(): Model {
  const r = rng(5);
  const t = (name: string, dims: number[], lo = -0.5, hi = 0.5) => makeTensor(name, DT.FLOAT, dims, randArray(dims.reduce((a, b) => a * b, 1), r, lo, hi));
  const inits = [t('w1', [4, 4, 3, 3]), t('b1', [4], -0.1, 0.1), t('wt', [4, 3, 3, 3]), t('bt', [6], -0.1, 0.1), t('w2', [3, 6, 1, 1])];
  const vi = (name: string, shape: (number | string)[]) => ({ name, dataType: DT.FLOAT, shape });
  const nodes = [
    n('conv1', 'Conv', ['x', 'w1', 'b1'], ['c1'], { pads: ints([1, 1, 1, 1]) }),
    n('relu1', 'Relu', ['c1'], ['r1']),
    n('up', 'ConvTranspose', ['r1', 'wt', 'bt'], ['u'], { group: { type: 'int', value: 2 }, strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) }),
    n('relu2', 'Relu', ['u'], ['r2']),
    n('conv2', 'Conv', ['r2', 'w2'], ['y']),
    n('gram', 'MatMul', ['r2', 'r2'], ['gram']),
  ];
  return {
    irVersion: 8, opsets: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '', domain: '', modelVersion: 0, docString: '', metadata: [],
    graph: { name: 'up', nodes, inputs: [vi('x', ['N', 4, 6, 6])], outputs: [vi('y', ['N', 3, 12, 12]), vi('gram', ['N', 6, 12, 12])], initializers: new Map(inits.map((x) => [x.name, x])), valueInfo: [], passthrough: {} },
    passthrough: {},
  };
}

describe('ConvTranspose as a weighted layer', () => {
  it('per output channel (axis 1), DequantizeLinear axis=1, onnxruntime = studio; data×data MatMul left float with its reason', async () => {
    const s = await Session.fromModel(await testGpu(), upModel(), 'up.onnx');
    const config: QuantConfig = { ...DEFAULT_CONFIG, firstLast8bit: false, wObserver: 'minmax', aObserver: 'minmax', calibCount: 8 };
    const p = place(s.graph, config);
    expect(p.layers.map((l) => [l.node.name, l.axis])).toEqual([['conv1', 0], ['up', 1], ['conv2', 0]]);
    expect(p.float).toEqual([{ name: 'gram', opType: 'MatMul', reason: expect.stringMatching(/both its inputs are computed from the input data/) }]);
    const r = rng(9);
    const batch = () => ({ data: randArray(2 * 144, r, -1, 1), shape: [2, 4, 6, 6] });
    const batches = [batch(), batch(), batch(), batch()];
    const state = await calibrate(s, config, { batches: () => batches, batchCount: 4 });
    const up = state.weights.find((w) => w.node === 'up')!;
    expect([up.axis, up.scales.length]).toEqual([1, 3]);
    const bytes = exportQdq(s.model, s.graph, state, { opset: 13 });
    const out = readModel(bytes);
    const dq = out.graph.nodes.find((x) => x.outputs[0] === 'wt')!;
    expect([dq.opType, dq.attrs.axis]).toEqual(['DequantizeLinear', { type: 'int', value: 1 }]);
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const x = batch();
    const ours = await s.run({ x }, { quant: true });
    const theirs = await session.run({ x: new ort.Tensor('float32', x.data, x.shape) });
    const err = relL2(ours.y.data, theirs.y.data as Float32Array);
    console.log(`ConvTranspose model W8A8: relative L2 onnxruntime vs studio ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-3);
    s.dispose();
  });
});
