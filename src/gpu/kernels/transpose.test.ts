// Transpose on the GPU vs the float64 reference over random shapes (rank 1–6) and permutations.
import { describe, expect, it } from 'vitest';
import { transpose } from './transpose';
import { transposeRef } from '../../ref/transpose';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

function shuffle(n: number, r: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('transpose kernel vs float64 reference', () => {
  it('fixed and random permutations', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const cases: [number[], number[]][] = [
      [[2, 3, 4, 5], [0, 2, 3, 1]], // NCHW -> NHWC
      [[7, 9], [1, 0]],
      [[3, 1, 4], [2, 1, 0]],
      [[2, 3, 2, 3, 2, 3], [5, 4, 3, 2, 1, 0]],
      [[5], [0]],
    ];
    for (let t = 0; t < 10; t++) {
      const rank = 1 + Math.floor(r() * 6);
      cases.push([Array.from({ length: rank }, () => 1 + Math.floor(r() * 5)), shuffle(rank, r)]);
    }
    for (const [shape, perm] of cases) {
      const xs = randArray(size(shape), r, -1, 1);
      const want = transposeRef(xs, shape, perm);
      const x = gpu.tensor('x', shape, xs);
      const y = gpu.tensor('y', want.shape);
      await gpu.run([transpose(gpu, x, y, perm)]);
      // A pure copy: bit-exact.
      expectClose(await gpu.read(y), want.data, { rtol: 0, atol: 0 }, `[${shape}] perm [${perm}] seed ${seed}`);
    }
  });

  it('reference matches a hand-checked 2x3 case and rejects bad perms', () => {
    const t = transposeRef([1, 2, 3, 4, 5, 6], [2, 3], [1, 0]);
    expect(t.shape).toEqual([3, 2]);
    expect([...t.data]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => transposeRef([1, 2], [2, 1], [0, 0])).toThrow(/not a permutation/);
  });
});
