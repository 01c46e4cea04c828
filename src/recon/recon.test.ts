// Reconstruction end to end on ResNet-20, small enough for CI: W2A4 QDrop on the first three blocks
// (32 calibration images, 40 iterations, batch 4, a larger V learning rate so few iterations move
// the rounding; a 5 MiB cache budget, so that block 0 caches in float32 and blocks 1-2, which
// also cache a quantized input, in float16) must bring the quantized model's logits closer to the float model's than round-to-
// nearest does, and the exported QDQ model (hard codes as they are) must give onnxruntime the
// studio's predictions.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { exportQdq } from '../quant/export-qdq';
import { DEFAULT_CONFIG, type QuantConfig } from '../quant/types';
import { testGpu } from '../test/helpers';
import { RECON_DEFAULTS, reconstruct, type BlockSummary } from './reconstruct';
import { agreement, engineTop1, onnxruntimeTop1 } from '../cli/top1';

describe.skipIf(!!sharedMissing)('reconstruction on ResNet-20', () => {
  it('QDrop W2A4, first three blocks: logits closer to float than nearest; onnxruntime = studio', async () => {
    const gpu = await testGpu();
    const bytes = new Uint8Array(readFileSync(resnet20));
    const s = await Session.load(gpu, bytes, 'resnet20.onnx');
    const preset = presetForInputShape(s.summary.inputs[0].shape);
    const calib = openImageSet(cifarTrainDir, preset, { limit: 32 });
    const test = openImageSet(cifarTestDir, preset, { limit: 100 });
    const config: QuantConfig = { ...DEFAULT_CONFIG, wBits: 2, aBits: 4, calibCount: 32 };
    const batches = () => (function* () { for (const b of calib.batches(32)) yield { data: b.data, shape: b.shape }; })();
    const state = await calibrate(s, config, { batches, batchCount: 1 });
    const io = { input: s.summary.inputs[0].name, output: s.summary.outputs[0].name };
    const [x] = [...test.batches(100)];
    const feeds = { [io.input]: { data: x.data, shape: x.shape } };
    const float = (await s.run(feeds))[io.output].data;
    const mse = async () => {
      const q = (await s.run(feeds, { quant: true }))[io.output].data;
      return q.reduce((acc, v, i) => acc + (v - float[i]) ** 2, 0) / q.length;
    };
    const nearest = await mse();
    const sums: BlockSummary[] = [];
    const after = await reconstruct(s, state, { ...RECON_DEFAULTS, iters: 40, batch: 4, lrV: 1e-2, historyEvery: 20, cacheMiB: 5 }, { batches, count: 32, endBlock: 3 }, { onBlockEnd: (b) => void sums.push(b) });
    const qdrop = await mse();
    console.log(`logit MSE vs float: nearest ${nearest.toFixed(3)}, QDrop (3 blocks) ${qdrop.toFixed(3)}; ${sums.map((b) => `${b.block.name} ${b.seconds.toFixed(1)} s`).join(', ')}`);
    expect(sums.map((b) => b.block.index)).toEqual([0, 1, 2]);
    expect(sums.map((b) => b.cache)).toEqual(['f32', 'f16', 'f16']);
    expect(qdrop).toBeLessThan(nearest * 0.9);
    // codes changed somewhere, and the export carries them unchanged
    const changed = after.weights.some((w, k) => w.codes.some((c, i) => c !== state.weights[k].codes[i]));
    expect(changed).toBe(true);
    const studio = await engineTop1(s, io, test, { batch: 100, quant: true });
    const ort = await onnxruntimeTop1(exportQdq(s.model, s.graph, after, { opset: 13 }), io, test, { batch: 100 });
    expect(ort).not.toBeNull();
    expect(agreement(studio, ort!)).toBe(100);
    expect(ort!.correct).toBe(studio.correct);
  }, 900_000);
});
