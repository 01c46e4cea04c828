// ResNet-18 at 224² (../shared/models/zoo/resnet18.onnx, random weights), 256 images, batch 32:
// the first three blocks (stem, layer1.0, layer1.1) reconstruct within the default cache budget
// (2048 MiB) and GPU memory does not grow from block to block. Minutes on a CPU adapter, so it
// runs only when asked: QS_LONG=1 npx vitest run src/recon/memory-resnet18.test.ts
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { sharedDir } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG } from '../quant/types';
import { rng, testGpu } from '../test/helpers';
import { RECON_DEFAULTS, reconstruct, type BlockSummary } from './reconstruct';

const model = resolve(sharedDir, 'models/zoo/resnet18.onnx');
const MiB = 2 ** 20;

describe.skipIf(!process.env.QS_LONG || !existsSync(model))('ResNet-18 reconstruction memory (QS_LONG=1; minutes on a CPU adapter)', () => {
  it('first three blocks, 256 images at 224², batch 32: within the default cache budget, no growth', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(model)), 'resnet18.onnx');
    const count = 256;
    const B = 32;
    const size = 3 * 224 * 224;
    // noise images, the same on every read
    const batches = (n = count) =>
      (function* () {
        for (let first = 0; first < n; first += B) {
          const r = rng(first + 1);
          yield { data: Float32Array.from({ length: B * size }, () => 4 * r() - 2), shape: [B, 3, 224, 224] };
        }
      })();
    const state = await calibrate(s, { ...DEFAULT_CONFIG, wBits: 4, aBits: 4, wObserver: 'minmax', aObserver: 'minmax', calibCount: B }, { batches: () => batches(B), batchCount: 1 });
    const live = () => gpu.liveBytes - gpu.ownBytes;
    const before = live();
    gpu.resetPeak();
    const cached: number[] = [];
    const afterBlock: number[] = [];
    const sums: BlockSummary[] = [];
    let t0 = 0;
    const caching: number[] = [];
    await reconstruct(s, state, { ...RECON_DEFAULTS, iters: 2, batch: B }, { batches: () => batches(), count, endBlock: 3 }, {
      onBlockStart: () => void (t0 = performance.now()),
      onCache: (_b, done, total) => {
        if (done < total) return;
        caching.push((performance.now() - t0) / 1000);
        cached.push(live() - before);
      },
      onBlockEnd: (sum) => {
        sums.push(sum);
        afterBlock.push(live() - before);
      },
    });
    const mib = (b: number) => (b / MiB).toFixed(1);
    console.log(`peak live GPU memory during the run: ${mib(gpu.peakBytes - gpu.ownBytes - before)} MiB above the figure before it (caches, segment plans and block programs)`);
    console.log(sums.map((b, i) => `${b.block.name}: ${b.cache} caches, caching ${caching[i].toFixed(1)} s, ${mib(cached[i])} MiB live after caching, ${mib(afterBlock[i])} MiB after the block, ${b.seconds.toFixed(1)} s for ${b.iters} iterations`).join('\n'));
    expect(sums).toHaveLength(3);
    for (const c of cached) expect(c).toBeLessThanOrEqual(RECON_DEFAULTS.cacheMiB * MiB);
    expect(afterBlock[2], 'after layer1.1 = after layer1.0').toBe(afterBlock[1]);
    expect(cached[2], 'caching layer1.1 = caching layer1.0').toBe(cached[1]);
    expect(live(), 'after the run').toBe(before);
    s.dispose();
  }, 3_600_000);
});
