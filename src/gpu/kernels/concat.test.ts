// Concat on the GPU vs the float64 reference: random ranks 1–6, every axis (also negative),
// 1 to 4 inputs of different lengths on the axis, including empty ones.
import { describe, expect, it } from 'vitest';
import { concat } from './concat';
import { concatRef } from '../../ref/concat';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

describe('concat kernel vs float64 reference', () => {
  it('random shapes and axes', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (let t = 0; t < 12; t++) {
      const rank = 1 + Math.floor(r() * 6);
      const base = Array.from({ length: rank }, () => 1 + Math.floor(r() * 4));
      const axis = Math.floor(r() * rank) - (r() < 0.3 ? rank : 0);
      const a = axis < 0 ? axis + rank : axis;
      const parts = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
        const shape = [...base];
        shape[a] = Math.floor(r() * 5); // 0 now and then: an empty input
        return { shape, data: randArray(size(shape), r) };
      });
      const want = concatRef(parts, axis);
      const y = gpu.tensor('y', want.shape);
      const xs = parts.map((p) => gpu.tensor('x', p.shape, p.data));
      await gpu.run(concat(gpu, xs, y, axis));
      const what = `${parts.map((p) => `[${p.shape}]`).join(' + ')} on axis ${axis} seed ${seed}`;
      expectClose(await gpu.read(y), want.data, { rtol: 0, atol: 0 }, what);
    }
  });

  it('reference matches a hand-checked case and rejects mismatched shapes', () => {
    const c = concatRef([{ data: [1, 2, 3, 4], shape: [2, 2] }, { data: [5, 6], shape: [2, 1] }], -1);
    expect(c.shape).toEqual([2, 3]);
    expect([...c.data]).toEqual([1, 2, 5, 3, 4, 6]);
    expect(() => concatRef([{ data: [1, 2], shape: [2] }, { data: [1], shape: [1, 1] }], 0)).toThrow(/does not match/);
  });
});
