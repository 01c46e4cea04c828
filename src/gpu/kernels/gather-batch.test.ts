// Training-batch sampling on the GPU vs the bit-exact CPU reference (pure copies picked by the
// counter RNG) over several iterations, seeds and input-mixing probabilities; then statistics:
// the quantized fraction at pIn = 0.5 and uniform cache sampling.
import { describe, expect, it } from 'vitest';
import { gatherBatch } from './gather-batch';
import { batchIndex, gatherBatchRef } from '../../ref/gather-batch';
import { stepBuffer, writeStep } from '../../recon/step';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const exact = { rtol: 0, atol: 0 };
const stepOf = (seed: number, iter: number) => ({ iter, seed, beta: 0, lambda: 0, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });

describe('gatherBatch vs CPU reference', () => {
  it('exact copies over iterations', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const step = stepBuffer(gpu);
    // [count, xSize, ySize, batch, pIn, with xQ]
    const cases: [number, number, number, number, number, boolean][] = [
      [20, 37, 13, 8, 1, true],
      [20, 37, 13, 8, 0, true],
      [7, 64, 10, 16, 0.5, true],
      [1, 5, 3, 4, 0.5, true],
      [33, 100, 100, 5, 0.5, false],
      [50, 3 * 8 * 8, 2 * 4 * 4, 32, r(), true],
    ];
    for (const [count, xSize, ySize, batch, pIn, withQ] of cases) {
      const xFps = randArray(count * xSize, r, -2, 2);
      const xQs = withQ ? randArray(count * xSize, r, -2, 2) : null;
      const yFps = randArray(count * ySize, r, -2, 2);
      const caches = {
        xFp: gpu.tensor('xFp', [count * xSize], xFps).buffer,
        xQ: xQs ? gpu.tensor('xQ', [count * xSize], xQs).buffer : null,
        yFp: gpu.tensor('yFp', [count * ySize], yFps).buffer,
        count,
        xSize,
        ySize,
      };
      const out = { x: gpu.tensor('x', [batch, xSize]), y: gpu.tensor('y', [batch, ySize]) };
      const dispatches = gatherBatch(gpu, caches, out, batch, pIn, step);
      const runSeed = Math.floor(r() * 2 ** 32);
      for (let t = 0; t < 3; t++) {
        const iter = t === 2 ? Math.floor(r() * 2 ** 32) : t;
        writeStep(gpu, step, stepOf(runSeed, iter));
        await gpu.run(dispatches);
        const want = gatherBatchRef(xFps, xQs, yFps, count, xSize, ySize, batch, pIn, runSeed, iter);
        const what = `count ${count} x ${xSize} y ${ySize} batch ${batch} pIn ${pIn} xQ ${withQ} iter ${iter} run seed ${runSeed} seed ${seed}`;
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
    const caches = {
      xFp: gpu.tensor('xFp', [count * xSize], xFps).buffer,
      xQ: gpu.tensor('xQ', [count * xSize], xQs).buffer,
      yFp: gpu.tensor('yFp', [count], yFps).buffer,
      count,
      xSize,
      ySize: 1,
    };
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
    const buf = gpu.buffer('c', 4 * 40);
    const caches = { xFp: buf, xQ: null, yFp: buf, count: 4, xSize: 10, ySize: 10 };
    expect(() => gatherBatch(gpu, caches, { x: gpu.tensor('x', [2, 9]), y: gpu.tensor('y', [2, 10]) }, 2, 1, step)).toThrow(/does not hold/);
    expect(() => gatherBatch(gpu, { ...caches, count: 5 }, { x: gpu.tensor('x', [2, 10]), y: gpu.tensor('y', [2, 10]) }, 2, 1, step)).toThrow(/does not hold/);
    expect(() => gatherBatch(gpu, caches, { x: gpu.tensor('x', [2, 10]), y: gpu.tensor('y', [2, 10]) }, 2, 1.5, step)).toThrow(/pIn/);
  });
});
