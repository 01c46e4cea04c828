// y += alpha · x on the GPU vs the float64 reference.
import { describe, expect, it } from 'vitest';
import { axpy } from './axpy';
import { axpyRef } from '../../ref/axpy';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

describe('axpy vs float64 reference', () => {
  it('random sizes and alphas', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const n of [1, 63, 64, 65, 1000 + Math.floor(r() * 9000)]) {
      const alpha = r() < 0.3 ? 1 : -3 + 6 * r();
      const xs = randArray(n, r, -2, 2);
      const ys = randArray(n, r, -2, 2);
      const x = gpu.tensor('x', [n], xs);
      const y = gpu.tensor('y', [n], ys);
      const d = axpy(gpu, x, y, alpha);
      await gpu.run([d]);
      const once = axpyRef(xs, ys, Math.fround(alpha));
      expectClose(await gpu.read(y), once, { rtol: 1e-6, atol: 1e-6 }, `n ${n} alpha ${alpha} seed ${seed}`);
      await gpu.run([d]); // accumulates
      expectClose(await gpu.read(y), axpyRef(xs, once, Math.fround(alpha)), { rtol: 1e-6, atol: 2e-6 }, `twice n ${n} alpha ${alpha} seed ${seed}`);
    }
    const t = gpu.tensor('t', [4]);
    expect(() => axpy(gpu, t, t)).toThrow(/share/);
  });
});
