// The setup the ResNet-20 reconstruction tests share (recon.test.ts, apot-recon.test.ts): the model
// calibrated on 32 CIFAR-10 training images, 100 test images with the float logits to compare the
// quantized ones against, and onnxruntime on the QDQ export predicting as the studio does.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet, type ImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20 } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { exportQdq } from '../quant/export-qdq';
import { DEFAULT_CONFIG, type QuantConfig, type QuantState } from '../quant/types';
import { testGpu } from '../test/helpers';
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
