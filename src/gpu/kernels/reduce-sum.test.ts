// reduceSum (set / add into a fixed slot) and reduceSumAtStep (a ring of slots indexed by the
// Step uniform's iteration) vs float64 sums.
import { describe, expect, it } from 'vitest';
import { reduceSum, reduceSumAtStep } from './reduce-sum';
import { sumRef } from '../../ref/recon-loss';
import { stepBuffer, writeStep } from './step';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const step0 = { iter: 0, seed: 0, beta: 0, lambda: 0, lrV: 0, lrS: 0, bc1: 1, bc2: 1 };

describe('reduceSum vs float64 sums', () => {
  it('set and add into one slot', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const count of [0, 1, 7, 255, 256, 257, 1000, 3000 + Math.floor(r() * 5000)]) {
      const xs = randArray(Math.max(count, 1), r, -1, 1);
      const src = gpu.tensor('src', [xs.length], xs).buffer;
      const init = randArray(4, r, -1, 1);
      const dst = gpu.tensor('dst', [4], init).buffer;
      const idx = Math.floor(r() * 4);
      const tol = { rtol: 0, atol: 1e-6 * (1 + sumRef(xs.map(Math.abs), count)) };
      const want = Float64Array.from(init);
      want[idx] = sumRef(xs, count);
      await gpu.run([reduceSum(gpu, src, count, dst, idx, 'set')]);
      expectClose(await gpu.read(dst, 4), want, tol, `set count ${count} seed ${seed}`);
      want[idx] += sumRef(xs, count);
      await gpu.run([reduceSum(gpu, src, count, dst, idx, 'add')]);
      expectClose(await gpu.read(dst, 4), want, tol, `add count ${count} seed ${seed}`);
    }
  });

  it('slot from the Step uniform', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const count = 300;
    const xs = randArray(count, r, 0, 1);
    const src = gpu.tensor('src', [count], xs).buffer;
    const step = stepBuffer(gpu);
    const dst = gpu.tensor('history', [8], new Float32Array(8)).buffer;
    // Ring of 3 slots from slot 2, 2 iterations per slot, accumulated; slots 0, 1, 5.. untouched.
    const add = reduceSumAtStep(gpu, src, count, dst, step, { base: 2, every: 2, slots: 3 }, 'add');
    const want = new Float64Array(8);
    const s = sumRef(xs);
    for (let iter = 0; iter < 9; iter++) {
      writeStep(gpu, step, { ...step0, iter });
      await gpu.run([add]);
      want[2 + (Math.floor(iter / 2) % 3)] += s;
    }
    expectClose(await gpu.read(dst, 8), want, { rtol: 1e-5, atol: 0 }, `ring add seed ${seed}`);
    const set = reduceSumAtStep(gpu, src, count, dst, step, { slots: 8 });
    writeStep(gpu, step, { ...step0, iter: 13 });
    await gpu.run([set]);
    want[13 % 8] = s;
    expectClose(await gpu.read(dst, 8), want, { rtol: 1e-5, atol: 0 }, `ring set seed ${seed}`);
    expect(() => reduceSumAtStep(gpu, src, count, dst, step, { base: 6, slots: 3 })).toThrow(/past the end/);
  });
});
