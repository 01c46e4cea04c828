// Softmax on the GPU vs the float64 reference over random [outer, axis, inner] views, both the
// thread-per-row and workgroup-per-row paths, including large logits (stability).
import { describe, expect, it } from 'vitest';
import { softmax } from './softmax';
import { softmaxRef } from '../../ref/softmax';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const views: [string, number, number, number][] = [
  ['logits row (workgroup per row)', 3, 1000, 1],
  ['short rows (thread per row)', 37, 5, 1],
  ['channel axis of NCHW', 2, 21, 30],
  ['single element axis', 4, 1, 7],
  ['row of exactly 64', 2, 64, 1],
  ['odd long row', 1, 131, 1],
];

describe('softmax kernel vs float64 reference', () => {
  it.each(views)('%s [%i, %i, %i]', async (_, outer, axisLen, inner) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const n = outer * axisLen * inner;
    // A per-row offset of up to ±1000 would overflow exp() without the max subtraction.
    const xs = randArray(n, r, -6, 6).map((v, i) => v + (Math.floor(i / (axisLen * inner)) % 2 ? 1000 : -1000));
    const x = gpu.tensor('x', [n], xs);
    const y = gpu.tensor('y', [n]);
    await gpu.run([softmax(gpu, x, y, outer, axisLen, inner)]);
    const got = await gpu.read(y);
    expectClose(got, softmaxRef(xs, outer, axisLen, inner), { rtol: 2e-5, atol: 1e-7 }, `seed ${seed}`);
  });

  it('random views', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (let t = 0; t < 6; t++) {
      const outer = 1 + Math.floor(r() * 6);
      const axisLen = 1 + Math.floor(r() * 200);
      const inner = r() < 0.5 ? 1 : 1 + Math.floor(r() * 9);
      const xs = randArray(outer * axisLen * inner, r, -10, 10);
      // A +100 spike at a random spot of some rows: e^100 overflows f32, so a missed max shows.
      for (let row = 0; row < outer * inner; row += 2) {
        const j = Math.floor(r() * axisLen);
        xs[Math.floor(row / inner) * axisLen * inner + j * inner + (row % inner)] += 100;
      }
      const x = gpu.tensor('x', [xs.length], xs);
      const y = gpu.tensor('y', [xs.length]);
      await gpu.run([softmax(gpu, x, y, outer, axisLen, inner)]);
      const what = `[${outer}, ${axisLen}, ${inner}] seed ${seed}`;
      expectClose(await gpu.read(y), softmaxRef(xs, outer, axisLen, inner), { rtol: 2e-5, atol: 1e-7 }, what);
    }
  });

  it('reference rows sum to one and match a hand-checked case', () => {
    const y = softmaxRef([0, Math.log(3)], 1, 2, 1);
    expect(y[0]).toBeCloseTo(0.25, 12);
    expect(y[1]).toBeCloseTo(0.75, 12);
  });
});
