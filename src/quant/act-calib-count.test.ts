// Activation ranges come from the first config.calibCount images (DESIGN.md §2: QDrop's code
// observes model(cali_data[:256]) while reconstruction trains on 1024): images after them — here
// made 50× larger, so any that leaked in would widen the ranges — change nothing, also when the
// cut falls inside a batch.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTrainDir, resnet20 } from '../data/test-paths';
import { testGpu } from '../test/helpers';
import { calibrate } from './calibrate';
import { DEFAULT_CONFIG } from './types';

describe('activation calibration image count', () => {
  it('observes only the first calibCount images, cutting a batch where needed', async () => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const set = openImageSet(cifarTrainDir, presetForInputShape(s.summary.inputs[0].shape), { limit: 8 });
    const [all] = [...set.batches(8)];
    const per = all.data.length / 8;
    const spoiled = Float32Array.from(all.data, (v, i) => (i >= 6 * per ? 50 * v : v));
    const config = { ...DEFAULT_CONFIG, wBits: 4, aBits: 4, aObserver: 'minmax' as const, wObserver: 'minmax' as const };
    // batches of 4: the cut after image 6 falls inside the second batch
    const fours = (data: Float32Array, n: number) => () => (function* () {
      for (let i = 0; i < n; i += 4) yield { data: data.subarray(i * per, Math.min(n, i + 4) * per), shape: [Math.min(4, n - i), ...all.shape.slice(1)] };
    })();
    const six = await calibrate(s, { ...config, calibCount: 6 }, { batches: fours(all.data, 6), batchCount: 2 });
    const cut = await calibrate(s, { ...config, calibCount: 6 }, { batches: fours(spoiled, 8), batchCount: 2 });
    const leaked = await calibrate(s, { ...config, calibCount: 8 }, { batches: fours(spoiled, 8), batchCount: 2 });
    expect(cut.acts.map((a) => [a.scale, a.zeroPoint])).toEqual(six.acts.map((a) => [a.scale, a.zeroPoint]));
    // the test can fail: with all 8 images the 50× ones widen every range
    const ratios = leaked.acts.map((a, i) => a.scale / six.acts[i].scale);
    expect(Math.min(...ratios), ratios.join(', ')).toBeGreaterThan(2);
  });
});
