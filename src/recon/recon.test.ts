// Reconstruction end to end on ResNet-20, small enough for CI: W2A4 QDrop on the first three blocks
// (32 calibration images, 40 iterations, batch 4, a larger V learning rate so few iterations move
// the rounding; a 5 MiB cache budget, so that block 0 caches in float32 and blocks 1-2, which
// also cache a quantized input, in float16) must bring the quantized model's logits closer to the float model's than round-to-
// nearest does, and the exported QDQ model (hard codes as they are) must give onnxruntime the
// studio's predictions.
import { describe, expect, it } from 'vitest';
import { sharedMissing } from '../data/test-paths';
import { RECON_DEFAULTS, reconstruct, type BlockSummary } from './reconstruct';
import { CALIB, calibratedResnet20, expectOrtAgrees } from './test-setup';

describe.skipIf(!!sharedMissing)('reconstruction on ResNet-20', () => {
  it('QDrop W2A4, first three blocks: logits closer to float than nearest; onnxruntime = studio', async () => {
    const { s, test, batches, state, io, logitMse: mse } = await calibratedResnet20({ wBits: 2, aBits: 4 });
    const nearest = await mse();
    const sums: BlockSummary[] = [];
    const after = await reconstruct(s, state, { ...RECON_DEFAULTS, iters: 40, batch: 4, lrV: 1e-2, historyEvery: 20, cacheMiB: 5 }, { batches, count: CALIB, endBlock: 3 }, { onBlockEnd: (b) => void sums.push(b) });
    const qdrop = await mse();
    console.log(`logit MSE vs float: nearest ${nearest.toFixed(3)}, QDrop (3 blocks) ${qdrop.toFixed(3)}; ${sums.map((b) => `${b.block.name} ${b.seconds.toFixed(1)} s`).join(', ')}`);
    expect(sums.map((b) => b.block.index)).toEqual([0, 1, 2]);
    expect(sums.map((b) => b.cache)).toEqual(['f32', 'f16', 'f16']);
    expect(qdrop).toBeLessThan(nearest * 0.9);
    // codes changed somewhere, and the export carries them unchanged
    const changed = after.weights.some((w, k) => w.codes.some((c, i) => c !== state.weights[k].codes[i]));
    expect(changed).toBe(true);
    await expectOrtAgrees(s, io, test, after);
    s.dispose();
  }, 900_000);
});
