// GPU memory of reconstruction, counted by the Gpu object (every buffer from its creation to its
// destroy): live bytes after each block of a 3-block ResNet-20 run do not grow with the block
// (blocks 1 and 2 have the same shapes), nothing is made inside the training loop, and after the
// run — and after an ablation of two runs — the live bytes are back to the figure before it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG } from '../quant/types';
import { testGpu } from '../test/helpers';
import { RECON_DEFAULTS, methodDefaults, reconstruct, type ReconMethod } from './reconstruct';

describe.skipIf(!!sharedMissing)('reconstruction GPU memory', () => {
  it('does not grow across blocks and returns to the pre-run figure after a run and an ablation', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const count = 16;
    const set = openImageSet(cifarTrainDir, presetForInputShape(s.summary.inputs[0].shape), { limit: count });
    const batches = () => (function* () { for (const b of set.batches(8)) yield { data: b.data, shape: b.shape }; })();
    const state = await calibrate(s, { ...DEFAULT_CONFIG, wBits: 2, aBits: 4, wObserver: 'minmax', aObserver: 'minmax', calibCount: count }, { batches, batchCount: 2 });
    const live = () => gpu.liveBytes - gpu.ownBytes;
    const before = live();
    const run = async (method: ReconMethod) => {
      const afterBlock: number[] = [];
      const made: number[][] = [];
      await reconstruct(
        s,
        state,
        { ...RECON_DEFAULTS, ...methodDefaults(method), method, iters: 8, batch: 4, historyEvery: 2 },
        { batches, count, endBlock: 3 },
        {
          onBlockStart: () => void made.push([]),
          onLoss: () => void made[made.length - 1].push(gpu.mark(), gpu.pipelineCount),
          onBlockEnd: () => void afterBlock.push(live()),
        },
      );
      return { afterBlock, made };
    };
    const first = await run('qdrop');
    console.log(`live GPU bytes: before ${before}, after blocks ${first.afterBlock.join(', ')}, after the run ${live()} (the Gpu's own: ${gpu.ownBytes})`);
    expect(first.afterBlock).toHaveLength(3);
    expect(first.afterBlock[2], 'after block 2 = after block 1').toBe(first.afterBlock[1]);
    expect(live(), 'after the run').toBe(before);
    // from the second history window on, no buffer or pipeline is made (readback staging is reused)
    for (const m of first.made) expect(m.slice(2), 'buffers and pipelines made during training').toEqual(m.slice(2).map((_, i) => m[2 + (i % 2)]));
    for (const method of ['brecq', 'qdrop'] as const) {
      await run(method);
      expect(live(), `after the ${method} run of the ablation`).toBe(before);
    }
    expect(gpu.ownBytes, "the Gpu's own buffers (staging, shared) stay small").toBeLessThan(1 << 20);
    s.dispose();
  }, 600_000);
});
