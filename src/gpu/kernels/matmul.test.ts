// MatMul kernel vs the float64 reference: random ranks 2..6 with numpy batch broadcasting, sizes that
// are and are not multiples of 4 (vec4 and scalar load paths) and that straddle the 32x32 tile.
import { describe, expect, it } from 'vitest';
import { matmul, matmulOutputShape } from './matmul';
import { matmulRef } from '../../ref/matmul';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const TOL = { rtol: 1e-4, atol: 1e-5 };

type Dim = 'any' | 'x4' | 'odd';

function draw(r: () => number, dims: [Dim, Dim, Dim], rank: [number, number]) {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const dim = (d: Dim, hi: number) => (d === 'x4' ? 4 * int(1, hi / 4) : d === 'odd' ? 2 * int(0, hi / 2 - 1) + 1 : int(1, hi));
  const [M, K, N] = [dim(dims[0], 70), dim(dims[1], 150), dim(dims[2], 70)];
  const batch = Array.from({ length: Math.max(rank[0], rank[1]) - 2 }, () => int(1, 3));
  // Each operand keeps the trailing batch dims of its rank, and sets some of them to 1 (broadcast).
  const own = (rk: number) => batch.slice(batch.length - (rk - 2)).map((d) => (r() < 0.3 ? 1 : d));
  return { aShape: [...own(rank[0]), M, K], bShape: [...own(rank[1]), K, N] };
}

async function check(aShape: number[], bShape: number[], seed: number, r = rng(seed)): Promise<void> {
  const gpu = await testGpu();
  const [as, bs] = [randArray(size(aShape), r), randArray(size(bShape), r)];
  const yShape = matmulOutputShape(aShape, bShape);
  const y = gpu.tensor('y', yShape, new Float32Array(size(yShape)).fill(Number.NaN));
  const [a, b] = [gpu.tensor('a', aShape, as), gpu.tensor('b', bShape, bs)];
  await gpu.run([matmul(gpu, a, b, y)]);
  const want = matmulRef(as, aShape, bs, bShape);
  expectClose(await gpu.read(y), want.data, TOL, `seed ${seed}: [${aShape}] @ [${bShape}]`);
  for (const t of [a, b, y]) t.buffer.destroy();
}

const cases: [string, [Dim, Dim, Dim], [number, number]][] = [
  ['2-D, any sizes', ['any', 'any', 'any'], [2, 2]],
  ['2-D, all multiples of 4 (vec4 loads)', ['x4', 'x4', 'x4'], [2, 2]],
  ['2-D, odd K and N (scalar loads)', ['x4', 'odd', 'odd'], [2, 2]],
  ['3-D batched, K % 4 == 0, odd N', ['odd', 'x4', 'odd'], [3, 3]],
  ['4-D x 2-D (b broadcast)', ['any', 'any', 'x4'], [4, 2]],
  ['2-D x 5-D (a broadcast)', ['any', 'x4', 'any'], [2, 5]],
  ['6-D x 6-D with unit dims', ['any', 'any', 'any'], [6, 6]],
  ['3-D x 6-D', ['x4', 'odd', 'x4'], [3, 6]],
];

describe('matmul vs float64 reference', () => {
  it.each(cases)('%s', async (_, dims, rank) => {
    for (let rep = 0; rep < 4; rep++) {
      const seed = freshSeed();
      const r = rng(seed);
      const { aShape, bShape } = draw(r, dims, rank);
      await check(aShape, bShape, seed, r);
    }
  });

  it('handles 1x1 and vector-like products, and rejects mismatched shapes', async () => {
    for (const [aShape, bShape] of [[[1, 1], [1, 1]], [[1, 7], [7, 1]], [[5, 1], [1, 9]], [[2, 1, 3], [3, 4]]]) {
      await check(aShape, bShape, freshSeed());
    }
    const gpu = await testGpu();
    const t = (s: number[]) => gpu.tensor('t', s);
    expect(() => matmul(gpu, t([2, 3]), t([4, 5]), t([2, 5]))).toThrow(/inner dimensions/);
    expect(() => matmul(gpu, t([2, 2, 3]), t([3, 3, 5]), t([2, 2, 5]))).toThrow(/broadcast/);
    expect(() => matmul(gpu, t([2, 3]), t([3, 5]), t([5, 2]))).toThrow(/expected \[2,5\]/);
  });
});
