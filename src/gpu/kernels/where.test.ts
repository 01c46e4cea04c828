// Where on the GPU vs the float64 reference: random broadcast shapes for the condition and both
// branches (rank 0–6), conditions held as 0/1 floats as the engine keeps bool tensors.
import { describe, expect, it } from 'vitest';
import { where } from './where';
import { whereRef, whereShape } from '../../ref/where';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

/** A random output shape and three operand shapes that broadcast to it. */
function randomShapes(r: () => number): number[][] {
  const rank = Math.floor(r() * 7);
  const out = Array.from({ length: rank }, () => 1 + Math.floor(r() * 5));
  const operand = () => out.slice(Math.floor(r() * (rank + 1) * 0.6)).map((d) => (r() < 0.35 ? 1 : d));
  return [operand(), operand(), operand()];
}

describe('where kernel vs float64 reference', () => {
  it('selects over random broadcast shapes with one pipeline', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const fixed: number[][][] = [
      [[2, 1], [2, 2], [2, 2]],
      [[], [3], [2, 3]],
      [[4, 1, 5], [1], [3, 1]],
      [[1, 3, 1, 2], [2, 1, 4, 1], []],
    ];
    const before = gpu.pipelineCount;
    for (const [cShape, xShape, yShape] of [...fixed, ...Array.from({ length: 10 }, () => randomShapes(r))]) {
      const shape = whereShape(cShape, xShape, yShape);
      const cs = randArray(size(cShape), r).map((v) => (v < 0 ? 1 : 0));
      const xs = randArray(size(xShape), r, -4, 4);
      const ys = randArray(size(yShape), r, -4, 4);
      const out = gpu.tensor('out', shape);
      await gpu.run([where(gpu, gpu.tensor('c', cShape, cs), gpu.tensor('x', xShape, xs), gpu.tensor('y', yShape, ys), out)]);
      const want = whereRef(cs, cShape, xs, xShape, ys, yShape);
      expect(want.shape).toEqual(shape);
      expectClose(await gpu.read(out), want.data, { rtol: 0, atol: 0 }, `Where [${cShape}] [${xShape}] [${yShape}] seed ${seed}`);
    }
    expect(gpu.pipelineCount - before, 'one pipeline, whatever the shapes').toBeLessThanOrEqual(1);
  });

  it('follows the hand-checked example and rejects shapes that do not broadcast', async () => {
    const gpu = await testGpu();
    const out = gpu.tensor('out', [2, 2]);
    const t = (s: number[], v: number[]) => gpu.tensor('t', s, Float32Array.from(v));
    await gpu.run([where(gpu, t([2, 2], [1, 0, 1, 1]), t([2, 2], [1, 2, 3, 4]), t([2, 2], [9, 8, 7, 6]), out)]);
    expect([...(await gpu.read(out))]).toEqual([1, 8, 3, 4]);
    expect(() => whereShape([2], [3], [1])).toThrow(/cannot be broadcast/);
    expect(() => where(gpu, t([2], [1, 0]), t([2], [1, 2]), t([2], [3, 4]), gpu.tensor('o', [3]))).toThrow(/not the broadcast/);
  });
});
