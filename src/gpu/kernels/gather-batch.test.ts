// Training-batch sampling on the GPU vs the bit-exact CPU reference (pure copies picked by the
// counter RNG) over several iterations, seeds and input-mixing probabilities; then statistics:
// the quantized fraction at pIn = 0.5 and uniform cache sampling. Caches in float32 and float16,
// whole or split into chunks of a few samples (src/recon/cache.ts).
import { describe, expect, it } from 'vitest';
import { gatherBatch } from './gather-batch';
import { batchIndex, gatherBatchRef } from '../../ref/gather-batch';
import { stepBuffer, writeStep } from './step';
import { sampleCacheOf, type CachePrecision } from './sample-cache';
import { cachedValues } from '../half';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const exact = { rtol: 0, atol: 0 };
const stepOf = (seed: number, iter: number) => ({ iter, seed, beta: 0, lambda: 0, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });

describe('gatherBatch vs CPU reference', () => {
  it('exact copies over iterations', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const step = stepBuffer(gpu);
    // [count, xSize, ySize, batch, pIn, with xQ, precision, samples per chunk (0: one chunk)]
    const cases: [number, number, number, number, number, boolean, CachePrecision, number][] = [
      [20, 37, 13, 8, 1, true, 'f32', 0],
      [20, 37, 13, 8, 0, true, 'f16', 0],
      [7, 64, 10, 16, 0.5, true, 'f32', 3],
      [1, 5, 3, 4, 0.5, true, 'f16', 0],
      [33, 100, 100, 5, 0.5, false, 'f32', 0],
      [50, 3 * 8 * 8, 2 * 4 * 4, 32, r(), true, 'f32', 0],
      [23, 37, 13, 32, r(), true, 'f16', 4],
      [50, 3 * 8 * 8, 2 * 4 * 4, 32, r(), true, 'f16', 1 + Math.floor(r() * 20)],
    ];
    for (const [count, xSize, ySize, batch, pIn, withQ, precision, perChunk] of cases) {
      // f16 caches hold float16 values: the reference reads the same rounded values.
      const xFps = randArray(count * xSize, r, -2, 2);
      const xQs = withQ ? randArray(count * xSize, r, -2, 2) : null;
      const yFps = randArray(count * ySize, r, -2, 2);
      const chunkBytes = (size: number) => (perChunk ? perChunk * (size + (size & 1)) * (precision === 'f16' ? 2 : 4) : undefined);
      const caches = {
        x: sampleCacheOf(gpu, 'xFp', xFps, count, precision, chunkBytes(xSize)),
        xQ: xQs ? sampleCacheOf(gpu, 'xQ', xQs, count, precision, chunkBytes(xSize)) : null,
        y: sampleCacheOf(gpu, 'yFp', yFps, count, precision, chunkBytes(ySize)),
      };
      if (perChunk) expect(caches.x.chunks.length).toBe(Math.ceil(count / perChunk));
      const out = { x: gpu.tensor('x', [batch, xSize]), y: gpu.tensor('y', [batch, ySize]) };
      const dispatches = gatherBatch(gpu, caches, out, batch, pIn, step);
      const runSeed = Math.floor(r() * 2 ** 32);
      for (let t = 0; t < 3; t++) {
        const iter = t === 2 ? Math.floor(r() * 2 ** 32) : t;
        writeStep(gpu, step, stepOf(runSeed, iter));
        await gpu.run(dispatches);
        const held = (v: Float32Array) => cachedValues(v, precision);
        const want = gatherBatchRef(held(xFps), xQs && held(xQs), held(yFps), count, xSize, ySize, batch, pIn, runSeed, iter);
        const what = `count ${count} x ${xSize} y ${ySize} batch ${batch} pIn ${pIn} xQ ${withQ} ${precision} chunk ${perChunk} iter ${iter} run seed ${runSeed} seed ${seed}`;
        expectClose(await gpu.read(out.x), want.x, exact, `x ${what}`);
        expectClose(await gpu.read(out.y), want.y, exact, `y ${what}`);
        if (pIn === 1 && withQ) expect(want.quantized.every((q) => q === 1), what).toBe(true);
        if (pIn === 0 || !withQ) expect(want.quantized.every((q) => q === 0), what).toBe(true);
      }
    }
  });

  it('pIn = 0.5 quantizes half the elements; samples are uniform over the cache', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const count = 10;
    const xSize = 1024;
    const batch = 64;
    // Float inputs positive, quantized ones negative; targets carry their cache index.
    const xFps = new Float32Array(count * xSize).fill(1);
    const xQs = new Float32Array(count * xSize).fill(-1);
    const yFps = Float32Array.from({ length: count }, (_, i) => i);
    const caches = { x: sampleCacheOf(gpu, 'xFp', xFps, count), xQ: sampleCacheOf(gpu, 'xQ', xQs, count), y: sampleCacheOf(gpu, 'yFp', yFps, count) };
    const out = { x: gpu.tensor('x', [batch, xSize]), y: gpu.tensor('y', [batch, 1]) };
    const step = stepBuffer(gpu);
    const dispatches = gatherBatch(gpu, caches, out, batch, 0.5, step);
    const hits = new Array<number>(count).fill(0);
    const iters = 50;
    for (let iter = 0; iter < iters; iter++) {
      writeStep(gpu, step, stepOf(seed, iter));
      await gpu.run(dispatches);
      const ys = await gpu.read(out.y);
      for (let b = 0; b < batch; b++) {
        hits[ys[b]]++;
        expect(ys[b], `seed ${seed}`).toBe(batchIndex(seed, iter, b, count));
      }
      if (iter < 4) {
        // 65536 fair coins: σ of the fraction ≈ 0.002.
        const xs = await gpu.read(out.x);
        const frac = xs.reduce((a, v) => a + (v < 0 ? 1 : 0), 0) / xs.length;
        expect(Math.abs(frac - 0.5), `quantized fraction ${frac} iter ${iter} seed ${seed}`).toBeLessThan(0.012);
      }
    }
    // χ² with 9 degrees of freedom: P(χ² > 40) ≈ 7e-6.
    const e = (iters * batch) / count;
    const chi2 = hits.reduce((a, h) => a + ((h - e) * (h - e)) / e, 0);
    expect(chi2, `cache hits ${hits} seed ${seed}`).toBeLessThan(40);
  });

  it('rejects mismatched shapes', async () => {
    const gpu = await testGpu();
    const step = stepBuffer(gpu);
    const c = sampleCacheOf(gpu, 'c', new Float32Array(40), 4);
    const caches = { x: c, xQ: null, y: c };
    expect(() => gatherBatch(gpu, caches, { x: gpu.tensor('x', [2, 9]), y: gpu.tensor('y', [2, 10]) }, 2, 1, step)).toThrow(/does not hold/);
    expect(() => gatherBatch(gpu, { ...caches, x: { ...c, count: 5 } }, { x: gpu.tensor('x', [2, 10]), y: gpu.tensor('y', [2, 10]) }, 2, 1, step)).toThrow(/targets/);
    expect(() => gatherBatch(gpu, { ...caches, y: { ...c, count: 5 }, x: { ...c, count: 5 } }, { x: gpu.tensor('x', [2, 10]), y: gpu.tensor('y', [2, 10]) }, 2, 1, step)).toThrow(/chunks|does not hold/);
    const half = sampleCacheOf(gpu, 'h', new Float32Array(40), 4, 'f16');
    expect(() => gatherBatch(gpu, { ...caches, xQ: half }, { x: gpu.tensor('x', [2, 10]), y: gpu.tensor('y', [2, 10]) }, 2, 0.5, step)).toThrow(/laid out/);
    expect(() => gatherBatch(gpu, caches, { x: gpu.tensor('x', [2, 10]), y: gpu.tensor('y', [2, 10]) }, 2, 1.5, step)).toThrow(/pIn/);
  });
});
