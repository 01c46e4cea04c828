// The setup the reconstruction tests share. ResNet-20 (recon.test.ts, apot-recon.test.ts): the model
// calibrated on 32 CIFAR-10 training images, 100 test images with the float logits to compare the
// quantized ones against, and onnxruntime on the QDQ export predicting as the studio does. Small
// block programs (backward-rules.test.ts, program-memory.test.ts): conv → [ops] → conv graphs and
// their 4-bit min/max weights.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet, type ImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20 } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { exportQdq } from '../quant/export-qdq';
import { quantizeCodes } from '../quant/apply';
import { DEFAULT_CONFIG, qrange, type QuantConfig, type QuantState, type WeightQuant } from '../quant/types';
import type { Model, Node } from '../graph/ir';
import { DT, makeTensor, tensorFloat32 } from '../onnx/dtype';
import { randArray, rng, testGpu } from '../test/helpers';
import { agreement, engineTop1, onnxruntimeTop1, type ModelIo } from '../cli/top1';

export const CALIB = 32;
const TEST = 100;

/** ResNet-20 calibrated with `config` over the defaults; `logitMse()` is the fake-quantized logits' MSE to the float ones on the test images. */
export async function calibratedResnet20(config: Partial<QuantConfig>) {
  const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
  const preset = presetForInputShape(s.summary.inputs[0].shape);
  const calib = openImageSet(cifarTrainDir, preset, { limit: CALIB });
  const test = openImageSet(cifarTestDir, preset, { limit: TEST });
  const batches = () => (function* () { for (const b of calib.batches(CALIB)) yield { data: b.data, shape: b.shape }; })();
  const state = await calibrate(s, { ...DEFAULT_CONFIG, calibCount: CALIB, ...config }, { batches, batchCount: 1 });
  const io: ModelIo = { input: s.summary.inputs[0].name, output: s.summary.outputs[0].name };
  const [x] = [...test.batches(TEST)];
  const feeds = { [io.input]: { data: x.data, shape: x.shape } };
  const float = (await s.run(feeds))[io.output].data;
  const logitMse = async () => {
    const q = (await s.run(feeds, { quant: true }))[io.output].data;
    return q.reduce((acc, v, i) => acc + (v - float[i]) ** 2, 0) / q.length;
  };
  return { s, calib, test, batches, state, io, logitMse };
}

/** onnxruntime on the QDQ export of `state` predicts every test image as the studio's fake-quantized model does. */
export async function expectOrtAgrees(s: Session, io: ModelIo, test: ImageSet, state: QuantState): Promise<void> {
  const studio = await engineTop1(s, io, test, { batch: TEST, quant: true });
  const ort = await onnxruntimeTop1(exportQdq(s.model, s.graph, state, { opset: 13 }), io, test, { batch: TEST });
  expect(ort).not.toBeNull();
  expect(agreement(studio, ort!)).toBe(TEST);
  expect(ort!.correct).toBe(studio.correct);
}

/** An IR node in the default domain. */
export const irNode = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });
export const ints = (value: number[]) => ({ type: 'ints' as const, value });
const conv3 = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) };

/**
 * x [N,3,6,6] → conv1 → c1 [N,4,6,6] → `middle` → z → conv2 → y [N,4,6,6] (3×3 convs, pad 1; conv2
 * reads `zChannels` channels), weights drawn from `seed`; the initializers in `intInputs` are int64.
 */
export function convSandwich(middle: Node[], inits: [string, number[], ArrayLike<number>][], zChannels: number, seed: number, intInputs: ReadonlySet<string> = new Set()): Model {
  const r = rng(seed);
  const t = (name: string, dims: number[], v: ArrayLike<number>) => makeTensor(name, intInputs.has(name) ? DT.INT64 : DT.FLOAT, dims, v);
  const tensors = [
    t('w1', [4, 3, 3, 3], randArray(108, r, -0.5, 0.5)),
    t('b1', [4], randArray(4, r, -0.1, 0.1)),
    t('w2', [4, zChannels, 3, 3], randArray(36 * zChannels, r, -0.5, 0.5)),
    ...inits.map(([name, dims, v]) => t(name, dims, v)),
  ];
  const nodes = [irNode('conv1', 'Conv', ['x', 'w1', 'b1'], ['c1'], conv3), ...middle, irNode('conv2', 'Conv', ['z', 'w2'], ['y'], conv3)];
  const vi = (name: string, shape: (number | string)[]) => ({ name, dataType: DT.FLOAT, shape });
  return {
    irVersion: 8, opsets: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '', domain: '', modelVersion: 0, docString: '', metadata: [],
    graph: { name: 'g', nodes, inputs: [vi('x', ['N', 3, 6, 6])], outputs: [vi('y', ['N', 4, 6, 6])], initializers: new Map(tensors.map((x) => [x.name, x])), valueInfo: [], passthrough: {} },
    passthrough: {},
  };
}

/** 4-bit per-channel min/max quantization of initializer `name` (of `node`), channels on `axis`. */
export function minMaxWeightQuant(s: Session, node: string, name: string, axis = 0): WeightQuant {
  const t = s.graph.initializers.get(name)!;
  const w = tensorFloat32(t);
  const range = qrange(4, false);
  const M = t.dims[axis];
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const [lo, hi] = [new Array<number>(M).fill(0), new Array<number>(M).fill(0)];
  w.forEach((v, i) => {
    const m = Math.floor(i / inner) % M;
    [lo[m], hi[m]] = [Math.min(lo[m], v), Math.max(hi[m], v)];
  });
  const scales = Float32Array.from(lo, (l, m) => Math.fround((hi[m] - l) / range.qmax || 1e-3));
  const zeroPoints = Int32Array.from(lo, (l, m) => Math.round(-l / scales[m]));
  return { node, weight: name, dims: t.dims, range, axis, scales, zeroPoints, codes: quantizeCodes(w, t.dims, axis, range, scales, zeroPoints) };
}
