// The caches of every ResNet-20 block made without repeated work (the images uploaded once, each
// block's input carried from the block before, the quantized input through only the block before)
// against the model run from the images as reconstruction did before (its quantized graph with
// float sums, {floatSums: true}, the one reconstruction trains on): float input, float output
// and quantized input of every block, with the quantized model changed after each block as
// training changes it. float32 caches: exact. float16 caches: quantized inputs exact too (a
// quantizer's float16-stored output is quantized again on reading, which restores it); the float
// values are carried in float16 from block to block, so a float output differs from the one
// computed from float32 inputs by that rounding through the blocks (measured: within 1.2e-3 of the
// tensor's largest value over ResNet-20's 11 blocks; allowed 2^-9).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { applyState, calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG, type QuantState } from '../quant/types';
import { testGpu } from '../test/helpers';
import { analyzeSession } from './analysis';
import { RunCaches } from './block-caches';
import { cachedValues, readSamples, type CachePrecision } from './cache';
import { reconBlocks } from './reconstruct';

/** What training does to a block: some rounding flipped (codes + 1 where in range). */
function perturb(state: QuantState, layers: string[]): QuantState {
  return {
    ...state,
    weights: state.weights.map((w) => (layers.includes(w.node) ? { ...w, codes: w.codes.map((c, i) => (i % 3 === 0 ? Math.min(c + 1, w.range.qmax) : c)) } : w)),
  };
}

describe.skipIf(!!sharedMissing)('block caches carried from block to block', () => {
  for (const [precision, batch] of [['f32', 4], ['f16', 3]] as [CachePrecision, number][]) {
    it(`equal the model run from the images, every block (${precision}, segments at batch ${batch})`, async () => {
      const gpu = await testGpu();
      const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
      const count = 10;
      const set = openImageSet(cifarTrainDir, presetForInputShape(s.summary.inputs[0].shape), { limit: count });
      const [images] = [...set.batches(count)];
      const feed = s.graph.inputs[0].name;
      let reads = 0;
      const batches = function* () {
        reads++;
        for (const b of set.batches(4)) yield { data: b.data, shape: b.shape };
      };
      let state = await calibrate(s, { ...DEFAULT_CONFIG, wBits: 4, aBits: 4, wObserver: 'minmax', aObserver: 'minmax', calibCount: count }, { batches, batchCount: 3 });
      reads = 0;
      state = applyState(s, state);
      const blocks = reconBlocks(s, state, 'qdrop');
      const caching = new RunCaches(s, analyzeSession(s, batch), { batches, count });
      const feeds = { [feed]: { data: images.data, shape: images.shape } };
      const floatTol = precision === 'f32' ? 0 : 2 ** -9;
      /** Every value within tol of the tensor's largest. */
      const close = (got: Float32Array, want: Float32Array, tol: number, what: string) => {
        expect(got.length, what).toBe(want.length);
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        expect(worst / scale, `${what}: largest difference / largest value`).toBeLessThanOrEqual(tol);
      };
      try {
        for (const block of blocks) {
          const c = await caching.block(block, state, { cacheMiB: 1024, cachePrecision: precision }, () => {});
          const f = await s.inspect(feeds, [block.input, block.output]);
          const want = (t: string, m: Map<string, { data: Float32Array }>) => cachedValues(m.get(t)!.data, precision);
          close(await readSamples(gpu, c.x), want(block.input, f), floatTol, `${block.name} float input`);
          close(await readSamples(gpu, c.y), want(block.output, f), floatTol, `${block.name} float output`);
          if (block.input === feed) expect(c.xQ).toBeNull();
          else {
            const q = state.acts.some((a) => a.tensor === block.input) ? `${block.input}::fq` : block.input;
            close(await readSamples(gpu, c.xQ!), want(q, await s.inspect(feeds, [q], { quant: true, floatSums: true })), 0, `${block.name} quantized input`);
          }
          state = applyState(s, perturb(state, block.layers));
          caching.quantChanged();
          caching.release();
        }
        expect(reads, 'the images are read once').toBe(1);
      } finally {
        caching.destroy();
        s.dispose();
      }
    }, 300_000);
  }
});
