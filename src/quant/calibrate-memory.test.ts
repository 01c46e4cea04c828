// Calibrating again must not grow GPU memory: each calibration's activation observers (the MSE
// observer's histograms are ~10 MB on ResNet-20) are freed when it ends, also when it is cancelled.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTrainDir, resnet20 } from '../data/test-paths';
import { testGpu } from '../test/helpers';
import { calibrate } from './calibrate';
import { DEFAULT_CONFIG, type ObserverKind } from './types';

describe('calibration frees its observers', () => {
  // (MSE: the largest observer state; every kind is destroyed by the same finally in calibrate())
  it('MSE: live GPU bytes the same after every calibration, a cancelled one included', async () => {
    const aObserver: ObserverKind = 'mse';
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const calib = openImageSet(cifarTrainDir, presetForInputShape(s.summary.inputs[0].shape), { limit: 4 });
    const batches = () => (function* () { for (const b of calib.batches(4)) yield { data: b.data, shape: b.shape }; })();
    const config = { ...DEFAULT_CONFIG, aObserver, calibCount: 4 };
    const live = () => gpu.liveBytes - gpu.ownBytes;
    try {
      await calibrate(s, config, { batches, batchCount: 1 });
      const after1 = live();
      await calibrate(s, config, { batches, batchCount: 1 });
      expect(live()).toBe(after1);
      // cancelled in its first activation batch: the observers go all the same
      const signal = { cancelled: false };
      await expect(calibrate(s, config, { batches, batchCount: 1, signal, onProgress: (p) => { if (p.phase === 'activations' || p.done > 3) signal.cancelled = true; } })).rejects.toThrow(/cancelled/);
      await calibrate(s, config, { batches, batchCount: 1 });
      expect(live()).toBe(after1);
    } finally {
      s.dispose();
    }
  });
});
