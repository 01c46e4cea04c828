// The reduce kernel vs the float64 reference: every kind over random shapes and random axis sets
// (none, some, all), the global-pool case of MnasNet/ShuffleNet, and empty sets.
import { describe, expect, it } from 'vitest';
import { reduce, reduceGroups } from './reduce';
import { reduceRef, reducedShape, normalizeAxes, type ReduceKind } from '../../ref/reduce';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const KINDS: ReduceKind[] = ['Sum', 'Mean', 'Max', 'Min', 'L2'];

/** Max/Min pick an element: exact. Sums in float32 lose about count·2⁻²⁴ relative to Σ|x|. */
const tolerance = (kind: ReduceKind, count: number) =>
  kind === 'Max' || kind === 'Min' ? { rtol: 0, atol: 0 } : { rtol: 2e-6, atol: 2e-7 * Math.max(1, count) };

async function check(kind: ReduceKind, shape: number[], axes: number[], xs: Float32Array, what: string) {
  const gpu = await testGpu();
  const x = gpu.tensor('x', shape, xs);
  const yShape = reducedShape(shape, axes, true);
  const y = gpu.tensor('y', yShape);
  await gpu.run([reduce(gpu, kind, x, y, axes)]);
  const count = axes.reduce((c, a) => c * shape[a], 1);
  expectClose(await gpu.read(y), reduceRef(kind, xs, shape, axes), tolerance(kind, count), `${kind} [${shape}] axes [${axes}] ${what}`);
}

describe('reduce kernel vs float64 reference', () => {
  it.each(KINDS)('%s over random shapes and axis sets', async (kind) => {
    const seed = freshSeed();
    const r = rng(seed);
    for (let t = 0; t < 8; t++) {
      const rank = 1 + Math.floor(r() * 5);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(r() * 6));
      const axes = shape.map((_, k) => k).filter(() => r() < 0.5);
      await check(kind, shape, axes, randArray(size(shape), r, -3, 3), `seed ${seed}`);
    }
  });

  it.each(KINDS)('%s over H and W of NCHW (global pooling as ReduceMean exports it)', async (kind) => {
    const seed = freshSeed();
    const shape = [2, 37, 7, 7];
    await check(kind, shape, [2, 3], randArray(size(shape), rng(seed), -3, 3), `seed ${seed}`);
  });

  it.each(KINDS)('%s over every axis of a long tensor, and over a strided middle axis', async (kind) => {
    const seed = freshSeed();
    const r = rng(seed);
    await check(kind, [3, 500], [0, 1], randArray(1500, r, -3, 3), `seed ${seed}`);
    await check(kind, [4, 300, 5], [1], randArray(6000, r, -3, 3), `seed ${seed}`);
  });

  it('empty axes reduce each element alone: identity, |x| for L2', async () => {
    const seed = freshSeed();
    const xs = randArray(24, rng(seed), -3, 3);
    for (const kind of KINDS) await check(kind, [2, 3, 4], [], xs, `seed ${seed}`);
    expect(reduceRef('L2', [-2, 3], [2], [])).toEqual(Float64Array.from([2, 3]));
  });

  it('an empty reduced set gives the identity: 0, -inf, +inf (Mean: NaN)', async () => {
    const gpu = await testGpu();
    for (const [kind, want] of [['Sum', 0], ['Max', -Infinity], ['Min', Infinity], ['L2', 0]] as const) {
      const x = gpu.tensor('x', [2, 0, 4]);
      const y = gpu.tensor('y', [2, 1, 4]);
      await gpu.run([reduce(gpu, kind, x, y, [1])]);
      expect([...(await gpu.read(y))], kind).toEqual(new Array(8).fill(want));
    }
  });

  it('groups neighbouring dimensions and normalizes axes', () => {
    expect(reduceGroups([2, 3, 4, 5], [2, 3])).toEqual({ kept: { shape: [6], strides: [20] }, reduced: { shape: [20], strides: [1] } });
    expect(reduceGroups([2, 1, 4, 5], [0, 3])).toEqual({ kept: { shape: [4], strides: [5] }, reduced: { shape: [2, 5], strides: [20, 1] } });
    expect(reduceGroups([3, 4], [])).toEqual({ kept: { shape: [12], strides: [1] }, reduced: { shape: [1], strides: [0] } });
    expect(normalizeAxes([-1, 0], 3)).toEqual([0, 2]);
    expect(() => normalizeAxes([3], 3)).toThrow(/out of range/);
    expect(() => normalizeAxes([1, -2], 3)).toThrow(/repeat/);
    expect(reducedShape([2, 3, 4], [1], false)).toEqual([2, 4]);
  });
});
