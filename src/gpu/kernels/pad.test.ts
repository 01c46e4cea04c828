// Constant Pad on the GPU vs the float64 reference: random ranks 1–6, asymmetric and negative
// (cropping) pads, random fill values.
import { describe, expect, it } from 'vitest';
import { pad } from './pad';
import { padRef } from '../../ref/pad';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

describe('pad kernel vs float64 reference', () => {
  it('random pads, cropping included', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const cases: [number[], number[]][] = [
      [[1, 3, 4, 5], [0, 0, 1, 2, 0, 0, 3, 0]],
      [[2, 6], [-1, 2, 1, -3]],
      [[4], [-4, 0]],
    ];
    for (let t = 0; t < 12; t++) {
      const rank = 1 + Math.floor(r() * 6);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(r() * 5));
      const begin = shape.map((d) => Math.floor(r() * (d + 3)) - Math.floor(d / 2));
      const end = shape.map((d, k) => Math.max(Math.floor(r() * 4) - 2, -(d + begin[k])));
      cases.push([shape, [...begin, ...end]]);
    }
    for (const [shape, pads] of cases) {
      const value = Math.round((r() * 8 - 4) * 100) / 100;
      const xs = randArray(size(shape), r);
      const want = padRef(xs, shape, pads, value);
      const x = gpu.tensor('x', shape, xs);
      const y = gpu.tensor('y', want.shape);
      await gpu.run([pad(gpu, x, y, pads.slice(0, shape.length), value)]);
      expectClose(await gpu.read(y), want.data, { rtol: 0, atol: 1e-6 }, `[${shape}] pads [${pads}] value ${value} seed ${seed}`);
    }
  });

  it('reference matches a hand-checked case', () => {
    const p = padRef([1, 2, 3, 4, 5, 6], [2, 3], [1, -1, 0, 1], 9);
    expect(p.shape).toEqual([3, 3]);
    expect([...p.data]).toEqual([9, 9, 9, 2, 3, 9, 5, 6, 9]);
    expect(() => padRef([1], [1], [-2, 0])).toThrow(/below zero/);
  });
});
