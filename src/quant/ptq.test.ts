// PTQ end to end on ResNet-20: calibrate in the engine (32 images; MSE, MinMax for W8A8 where the
// 8-bit MSE search is the slowest and changes nothing), export QDQ ONNX, and
// check that onnxruntime on the exported file gives the studio's fake-quant top-1 on the first 300
// test images (at most one image apart; top-1 agreement ≥ 299/300) for W8A8, W4A8, W4A4 and W2A4;
// W8A8 stays within 1 pp of the float model on the same images. The full table (256 images, all
// 1000 test images, MinMax and MSE) is `npm run bench`'s accuracy part.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { Session } from '../engine/session';
import { testGpu } from '../test/helpers';
import { openImageSet } from '../data/image-set-node';
import { PRESETS } from '../data/presets';
import { cifarTestDir, resnet20, sharedDir } from '../data/test-paths';
import { calibrate } from './calibrate';
import { exportQdq } from './export-qdq';
import { DEFAULT_CONFIG, type QuantConfig } from './types';
import path from 'node:path';

const trainDir = path.join(sharedDir, 'data/cifar10/train');
const CALIB = 32;
const EVAL = 300;

function argmax(a: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (a[off + k] > a[off + best]) best = k;
  return best;
}

async function evaluate(session: Session, ortSession: ort.InferenceSession, floatSession: ort.InferenceSession) {
  const set = openImageSet(cifarTestDir, PRESETS.cifar10, { limit: EVAL });
  let quant = 0;
  let onnx = 0;
  let float = 0;
  let agree = 0;
  for (const b of set.batches(100)) {
    const ours = (await session.run({ input: { data: b.data, shape: b.shape } }, { quant: true })).logits.data;
    const feeds = { input: new ort.Tensor('float32', b.data, b.shape) };
    const theirs = (await ortSession.run(feeds)).logits.data as Float32Array;
    const fp = (await floatSession.run(feeds)).logits.data as Float32Array;
    for (let i = 0; i < b.shape[0]; i++) {
      const p = argmax(ours, i * 10, 10);
      const q = argmax(theirs, i * 10, 10);
      if (p === b.labels[i]) quant++;
      if (q === b.labels[i]) onnx++;
      if (argmax(fp, i * 10, 10) === b.labels[i]) float++;
      if (p === q) agree++;
    }
  }
  expect(set.count).toBe(EVAL);
  return { quant, onnx, float, agree };
}

describe('PTQ: studio fake-quant = onnxruntime on the exported QDQ model', () => {
  const cases: [string, Partial<QuantConfig>, 13 | 21][] = [
    ['W8A8 minmax, opset 13', { wBits: 8, aBits: 8, wObserver: 'minmax', aObserver: 'minmax' }, 13],
    ['W4A8 mse, opset 21 (int4 weights)', { wBits: 4, aBits: 8 }, 21],
    ['W4A4 mse, opset 13', { wBits: 4, aBits: 4 }, 13],
    ['W2A4 mse, opset 13', { wBits: 2, aBits: 4 }, 13],
  ];
  it.each(cases)('%s', async (name, over, opset) => {
    const bytes = new Uint8Array(readFileSync(resnet20));
    const session = await Session.load(await testGpu(), bytes, 'resnet20_cifar10.onnx');
    const config: QuantConfig = { ...DEFAULT_CONFIG, ...over, calibCount: CALIB };
    const calib = openImageSet(trainDir, PRESETS.cifar10, { limit: CALIB });
    const state = await calibrate(session, config, {
      batches: () => [...calib.batches(32)].map((b) => ({ data: b.data, shape: b.shape })),
      batchCount: Math.ceil(CALIB / 32),
    });
    const exported = exportQdq(session.model, session.graph, state, { opset });
    const ortSession = await ort.InferenceSession.create(exported, { logSeverityLevel: 3 });
    const r = await evaluate(session, ortSession, await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 }));
    console.log(`${name}: float ${r.float}/${EVAL}, studio ${r.quant}/${EVAL}, onnxruntime ${r.onnx}/${EVAL}, top-1 agreement ${r.agree}/${EVAL}`);
    expect(Math.abs(r.quant - r.onnx)).toBeLessThanOrEqual(1);
    expect(r.agree).toBeGreaterThanOrEqual(EVAL - 1);
    if (over.wBits === 8 && over.aBits === 8) expect(Math.abs(r.quant - r.float)).toBeLessThanOrEqual(0.01 * EVAL);
    session.dispose();
  }, 900_000);
});
