// Reconstruction with APoT weights on ResNet-20, small enough for CI: W3A4 APoT (levels ±{0,1,2,4}·α/4),
// QDrop on the first three blocks (as recon.test.ts: 32 images, 40 iterations, batch 4, larger V
// learning rate) learns the rounding between neighbouring APoT levels. The third block's output on
// the calibration images must come closer to the float model's than with APoT round-to-nearest (what
// reconstruction optimises; the logits after 3 of 11 blocks are printed, not asserted: with this
// short schedule they move either way, for uniform weights too), every code must stay in the level
// set and be one of the two neighbours of W/s, and onnxruntime on the export must predict what the
// studio predicts.
import { describe, expect, it } from 'vitest';
import { sharedMissing } from '../data/test-paths';
import { tensorFloat32 } from '../onnx/dtype';
import { apotNeighbours } from '../ref/apot';
import { RECON_DEFAULTS, reconBlocks, reconstruct } from './reconstruct';
import { CALIB, calibratedResnet20, expectOrtAgrees } from './test-setup';

describe.skipIf(!!sharedMissing)('reconstruction between APoT levels on ResNet-20', () => {
  it('QDrop W3A4 APoT, first three blocks: closer to float than nearest; codes stay APoT neighbours; onnxruntime = studio', async () => {
    const { s, calib, test, batches, state, io, logitMse: mse } = await calibratedResnet20({ wBits: 3, aBits: 4, wLevels: 'apot' });
    const target = reconBlocks(s, state, 'qdrop')[2].output;
    const [c] = [...calib.batches(CALIB)];
    const cfeeds = { [io.input]: { data: c.data, shape: c.shape } };
    const blockFloat = (await s.inspect(cfeeds, [target])).get(target)!.data;
    const blockMse = async () => {
      const q = (await s.inspect(cfeeds, [target], { quant: true })).get(target)!.data;
      return q.reduce((acc, v, i) => acc + (v - blockFloat[i]) ** 2, 0) / q.length;
    };
    const [nearest, blockNearest] = [await mse(), await blockMse()];
    const after = await reconstruct(s, state, { ...RECON_DEFAULTS, iters: 40, batch: 4, lrV: 1e-2, historyEvery: 20, cacheMiB: 64 }, { batches, count: CALIB, endBlock: 3 });
    const [qdrop, blockQdrop] = [await mse(), await blockMse()];
    console.log(`APoT W3A4 vs float: ${target} MSE nearest ${blockNearest.toExponential(3)}, QDrop ${blockQdrop.toExponential(3)}; logit MSE nearest ${nearest.toFixed(3)}, QDrop (3 blocks) ${qdrop.toFixed(3)}`);
    expect(blockQdrop).toBeLessThan(blockNearest * 0.9);
    let changed = 0;
    after.weights.forEach((w, k) => {
      if (!w.levels) return;
      const set = new Set(w.levels);
      const wf = tensorFloat32(s.graph.initializers.get(w.weight)!);
      const inner = w.codes.length / w.scales.length;
      w.codes.forEach((c, i) => {
        const [lo, hi] = apotNeighbours(Math.fround(wf[i] / w.scales[Math.floor(i / inner)]), w.levels!);
        if (!set.has(Math.abs(c)) || (c !== lo && c !== hi)) expect.fail(`${w.weight}[${i}]: code ${c}, neighbours ${lo}, ${hi}`);
        if (c !== state.weights[k].codes[i]) changed++;
      });
    });
    expect(changed, 'codes moved between neighbouring levels').toBeGreaterThan(0);
    await expectOrtAgrees(s, io, test, after);
    s.dispose();
  }, 900_000);
});
