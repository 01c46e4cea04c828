// Slice on the GPU vs the float64 reference over random ONNX Slice inputs (negative indices,
// out-of-range and INT64 sentinel bounds, negative steps, axis subsets), plus resolveSlice by hand.
import { describe, expect, it } from 'vitest';
import { slice } from './slice';
import { resolveSlice, sliceRef } from '../../ref/slice';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const INT64_MAX = 2 ** 63; // INT64_MAX as a JS number (int64 tensors decode to the nearest double)
const INT64_MIN = -9223372036854775808;

/** A random bound: in range, negative, beyond either end, or an INT64 sentinel. */
function bound(dim: number, r: () => number): number {
  const u = r();
  if (u < 0.1) return INT64_MAX;
  if (u < 0.2) return INT64_MIN;
  if (u < 0.3) return dim + 1 + Math.floor(r() * 5);
  return Math.floor(r() * (2 * dim + 1)) - dim;
}

describe('slice kernel vs float64 reference', () => {
  it('random ONNX slices', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (let t = 0; t < 16; t++) {
      const rank = 1 + Math.floor(r() * 6);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(r() * 6));
      const axes = Array.from({ length: rank }, (_, i) => i).filter(() => r() < 0.7).map((a) => (r() < 0.3 ? a - rank : a));
      const starts = axes.map((a) => bound(shape[a < 0 ? a + rank : a], r));
      const ends = axes.map((a) => bound(shape[a < 0 ? a + rank : a], r));
      const steps = axes.map(() => (1 + Math.floor(r() * 3)) * (r() < 0.5 ? -1 : 1));
      const s = resolveSlice(shape, starts, ends, axes, steps);
      const xs = randArray(size(shape), r);
      const x = gpu.tensor('x', shape, xs);
      const y = gpu.tensor('y', s.outShape);
      await gpu.run([slice(gpu, x, y, s.starts, s.steps)]);
      const what = `[${shape}] starts [${starts}] ends [${ends}] axes [${axes}] steps [${steps}] seed ${seed}`;
      expectClose(await gpu.read(y), sliceRef(xs, shape, s.starts, s.steps, s.outShape), { rtol: 0, atol: 0 }, what);
    }
  });

  it('resolveSlice follows ONNX on hand-checked cases', () => {
    const s = [20, 10, 5];
    expect(resolveSlice(s, [20, 10, 4], [0, 0, 1], [0, 1, 2], [-1, -3, -2]).outShape).toEqual([19, 3, 2]);
    expect(resolveSlice(s, [1], [1000], [1], [1]).outShape).toEqual([20, 9, 5]);
    expect(resolveSlice(s, [1000], [1000], [1], [1]).outShape).toEqual([20, 0, 5]);
    expect(resolveSlice(s, [0, 0, 3], [20, 10, 4]).outShape).toEqual([20, 10, 1]);
    expect(resolveSlice(s, [0], [-1], [1]).outShape).toEqual([20, 9, 5]);
    expect(resolveSlice(s, [0, 0], [3, 10], [-2, -3]).outShape).toEqual([10, 3, 5]);
    expect(resolveSlice(s, [1], [INT64_MAX], [-1], [1]).outShape).toEqual([20, 10, 4]);

    const rev = resolveSlice([5], [-1], [INT64_MIN], [0], [-2]);
    expect(rev).toEqual({ starts: [4], steps: [-2], outShape: [3] });
    expect([...sliceRef([0, 1, 2, 3, 4], [5], rev.starts, rev.steps, rev.outShape)]).toEqual([4, 2, 0]);
    // A negative step with end −1 means "stop before the last element": empty.
    expect(resolveSlice([5], [4], [-1], [0], [-1]).outShape).toEqual([0]);
    expect(resolveSlice([0, 3], [0], [INT64_MAX], [0], [-1]).outShape).toEqual([0, 3]);
    expect(() => resolveSlice([3], [0], [1], [0], [0])).toThrow(/step of 0/);
    expect(() => resolveSlice([3, 3], [0, 0], [1, 1], [1, -1])).toThrow(/repeated/);
  });
});
