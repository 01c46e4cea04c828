// Block reconstruction loss on the GPU (gradient + per-workgroup partials, summed by reduceSum)
// vs the float64 reference, and the reference gradient vs central finite differences.
import { describe, expect, it } from 'vitest';
import { reconLoss, reconLossPartials } from './recon-loss';
import { reduceSum } from './reduce-sum';
import { reconLossRef } from '../../ref/recon-loss';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

describe('reconstruction loss vs float64 reference', () => {
  it('loss, gradient and partials', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const shapes = [[4, 8, 7, 7], [2, 16, 14, 14], [8, 10], [3, 5, 33], [1, 1, 1, 1], [2, 4, 16, 16], [1, 3, 1024 / 3 | 0, 3]];
    for (const shape of shapes) {
      const n = size(shape);
      const yhs = randArray(n, r, -2, 2);
      const ys = randArray(n, r, -2, 2);
      const parts = reconLossPartials(n);
      expect(parts, `partials of ${n}`).toBe(Math.min(16384, Math.ceil(n / 1024) * 64));
      const yhat = gpu.tensor('yhat', shape, yhs);
      const y = gpu.tensor('y', shape, ys);
      const dyhat = gpu.tensor('dyhat', shape);
      // One extra slot holding a sentinel: nothing past the partials may be written.
      const partials = gpu.tensor('partials', [parts + 1], new Float32Array(parts + 1).fill(-7)).buffer;
      const loss = gpu.tensor('loss', [2], new Float32Array([-1, -1])).buffer;
      await gpu.run([reconLoss(gpu, yhat, y, dyhat, partials), reduceSum(gpu, partials, parts, loss, 1)]);
      const want = reconLossRef(yhs, ys, shape);
      const what = `[${shape}] seed ${seed}`;
      expectClose(await gpu.read(dyhat), want.dyhat, { rtol: 1e-6, atol: 1e-9 }, `dŷ ${what}`);
      const got = await gpu.read(loss, 2);
      expect(got[0], `loss slot 0 untouched ${what}`).toBe(-1);
      expectClose([got[1]], [want.loss], { rtol: 1e-5, atol: 0 }, `loss ${what}`);
      const p = await gpu.read(partials, parts + 1);
      expect(p[parts], `slot past the partials ${what}`).toBe(-7);
      const sum = p.slice(0, parts).reduce((a, b) => a + b, 0);
      expectClose([sum], [want.loss], { rtol: 1e-5, atol: 0 }, `Σ partials ${what}`);
    }
  });

  it('reference gradient matches central finite differences', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const h = 1e-6;
    for (const shape of [[2, 3, 4, 5], [5, 7], [2, 2, 9]]) {
      const n = size(shape);
      const yhs = Float64Array.from(randArray(n, r, -2, 2));
      const ys = Float64Array.from(randArray(n, r, -2, 2));
      const fd = yhs.map((v, i) => {
        const up = yhs.slice();
        const down = yhs.slice();
        up[i] = v + h;
        down[i] = v - h;
        return (reconLossRef(up, ys, shape).loss - reconLossRef(down, ys, shape).loss) / (2 * h);
      });
      expectClose(reconLossRef(yhs, ys, shape).dyhat, fd, { rtol: 1e-6, atol: 1e-8 }, `[${shape}] seed ${seed}`);
    }
  });
});
