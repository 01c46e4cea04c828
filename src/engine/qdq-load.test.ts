// The engine re-opens the studio's own QDQ exports: ResNet-20 calibrated (MinMax, 32 images) at W4A4 (opset 13, int8
// codes, Clip on the 4-bit activation codes) and W4A8 (opset 21, int4 weights), exported, loaded with
// Session.load and run on test images: top-1 as onnxruntime's on the same file and as the studio's
// fake-quant graph. Weights' DequantizeLinear folds at plan time; every Q→(Clip)→DQ is one FakeQuant.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { Session } from './session';
import { testGpu } from '../test/helpers';
import { openImageSet } from '../data/image-set-node';
import { PRESETS } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { exportQdq } from '../quant/export-qdq';
import { DEFAULT_CONFIG, type QuantConfig } from '../quant/types';
import { argmax } from '../cli/top1';

const CALIB = 32;
const EVAL = 200;

describe.skipIf(sharedMissing)('QDQ exports load and run in the engine', () => {
  const cases: [string, Partial<QuantConfig>, 13 | 21][] = [
    ['W4A4 MinMax, opset 13', { wBits: 4, aBits: 4, wObserver: 'minmax', aObserver: 'minmax' }, 13],
    ['W4A8 MinMax, opset 21 (int4 weights)', { wBits: 4, aBits: 8, wObserver: 'minmax', aObserver: 'minmax' }, 21],
  ];
  it.each(cases)('%s: top-1 as onnxruntime and as the studio fake-quant', async (name, over, opset) => {
    const gpu = await testGpu();
    const session = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20_cifar10.onnx');
    const calib = openImageSet(cifarTrainDir, PRESETS.cifar10, { limit: CALIB });
    const state = await calibrate(session, { ...DEFAULT_CONFIG, ...over, calibCount: CALIB }, {
      batches: () => [...calib.batches(CALIB)].map((b) => ({ data: b.data, shape: b.shape })),
      batchCount: 1,
    });
    const t0 = performance.now();
    const bytes = exportQdq(session.model, session.graph, state, { opset });
    const loaded = await Session.load(gpu, bytes, `resnet20_${name}.onnx`);
    const ran = loaded.summary.preparedOpCounts ?? {};
    expect(ran.FakeQuant, `every activation quantizer is one FakeQuant dispatch: ${JSON.stringify(ran)}`).toBe(state.acts.length);
    expect(ran.QuantizeLinear ?? 0).toBe(0);
    expect(ran.DequantizeLinear ?? 0, 'weights dequantized at plan time').toBe(0);

    const ortSession = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const set = openImageSet(cifarTestDir, PRESETS.cifar10, { limit: EVAL });
    let withOrt = 0;
    let withStudio = 0;
    let correct = [0, 0, 0];
    let maxDiff = 0;
    for (const b of set.batches(100)) {
      const feed = { input: { data: b.data, shape: b.shape } };
      const ours = (await loaded.run(feed)).logits.data;
      const studio = (await session.run(feed, { quant: true })).logits.data;
      const theirs = (await ortSession.run({ input: new ort.Tensor('float32', b.data, b.shape) })).logits.data as Float32Array;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - studio[i]));
      for (let i = 0; i < b.shape[0]; i++) {
        const [p, s, o] = [ours, studio, theirs].map((l) => argmax(l, i * 10, 10));
        if (p === o) withOrt++;
        if (p === s) withStudio++;
        correct = correct.map((c, k) => c + ([p, s, o][k] === b.labels[i] ? 1 : 0));
      }
    }
    await ortSession.release();
    console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s after calibration; engine on the export ${correct[0]}/${EVAL}, studio fake-quant ${correct[1]}/${EVAL}, onnxruntime ${correct[2]}/${EVAL}; top-1 agreement with onnxruntime ${withOrt}/${EVAL}, with the studio ${withStudio}/${EVAL}; max |logit − studio| ${maxDiff}`);
    expect(set.count).toBe(EVAL);
    expect(withOrt).toBeGreaterThanOrEqual(Math.ceil(0.995 * EVAL));
    expect(withStudio, 'the same arithmetic as the fake-quant graph').toBe(EVAL);
    expect(correct[0]).toBe(correct[1]);
    loaded.dispose();
    session.dispose();
  }, 120_000);
});
