// A second calibration in the same session replaces the first one everywhere (weights, biases,
// activation ranges): the quantized outputs equal those of a fresh session calibrated once.
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from '../engine/session';
import { testGpu } from '../test/helpers';
import { openImageSet } from '../data/image-set-node';
import { PRESETS } from '../data/presets';
import { resnet20, sharedDir } from '../data/test-paths';
import { calibrate } from './calibrate';
import { DEFAULT_CONFIG, type QuantConfig } from './types';

it('recalibrating a session gives the same model as calibrating a fresh one', async () => {
  const gpu = await testGpu();
  const bytes = new Uint8Array(readFileSync(resnet20));
  const calib = openImageSet(path.join(sharedDir, 'data/cifar10/train'), PRESETS.cifar10, { limit: 32 });
  const batch = [...calib.batches(32)][0];
  const opts = { batches: () => [{ data: batch.data, shape: batch.shape }], batchCount: 1 };
  const w8a8: QuantConfig = { ...DEFAULT_CONFIG, wObserver: 'minmax', aObserver: 'minmax' };
  const w2a4: QuantConfig = { ...w8a8, wBits: 2, aBits: 4 };
  const feeds = { input: { data: batch.data, shape: batch.shape } };

  const reused = await Session.load(gpu, bytes, 'a.onnx');
  await calibrate(reused, w8a8, opts);
  await reused.run(feeds, { quant: true });
  await calibrate(reused, w2a4, opts);
  const again = (await reused.run(feeds, { quant: true })).logits.data;

  const fresh = await Session.load(gpu, bytes, 'b.onnx');
  await calibrate(fresh, w2a4, opts);
  const once = (await fresh.run(feeds, { quant: true })).logits.data;
  expect(Array.from(again)).toEqual(Array.from(once));
}, 300_000);
