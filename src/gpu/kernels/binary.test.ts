// Add/Sub/Mul/Div on the GPU vs the float64 reference over random broadcast shapes (rank 0–6,
// rank differences, 1-sized dimensions on either side).
import { describe, expect, it } from 'vitest';
import { binary, type BinaryOp } from './binary';
import { binaryRef, broadcastShape } from '../../ref/binary';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const ops: BinaryOp[] = ['Add', 'Sub', 'Mul', 'Div'];

/** A random output shape and two operand shapes that broadcast to it. */
function randomShapes(r: () => number): [number[], number[]] {
  const rank = Math.floor(r() * 7);
  const out = Array.from({ length: rank }, () => 1 + Math.floor(r() * 5));
  const operand = () => {
    const dropped = Math.floor(r() * (rank + 1) * 0.6);
    return out.slice(dropped).map((d) => (r() < 0.35 ? 1 : d));
  };
  return [operand(), operand()];
}

describe('binary kernels vs float64 reference', () => {
  it.each(ops)('%s over random broadcast shapes', async (op) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const fixed: [number[], number[]][] = [
      [[2, 3, 4, 5], [3, 1, 5]],
      [[1], [4, 1, 3]],
      [[], [2, 3]],
      [[6, 1, 1, 7], [1, 5, 4, 1]],
      [[2, 1, 3, 1, 2, 1], [1, 4, 1, 3, 1, 5]],
    ];
    const before = gpu.pipelineCount;
    for (const [aShape, bShape] of [...fixed, ...Array.from({ length: 8 }, () => randomShapes(r))]) {
      const shape = broadcastShape(aShape, bShape);
      const as = randArray(size(aShape), r, -4, 4);
      const bs = randArray(size(bShape), r, 0.5, 2).map((v) => (r() < 0.5 ? -v : v));
      const a = gpu.tensor('a', aShape, as);
      const b = gpu.tensor('b', bShape, bs);
      const y = gpu.tensor('y', shape);
      await gpu.run([binary(gpu, op, a, b, y)]);
      const want = binaryRef(op, as, aShape, bs, bShape);
      expect(want.shape).toEqual(shape);
      const what = `${op} [${aShape}] with [${bShape}] seed ${seed}`;
      expectClose(await gpu.read(y), want.data, { rtol: 1e-6, atol: 1e-7 }, what);
    }
    expect(gpu.pipelineCount - before, 'one pipeline per op, whatever the shapes').toBeLessThanOrEqual(1);
  });

  it('broadcasts a column against a row (hand-checked) and rejects incompatible shapes', () => {
    const col = binaryRef('Sub', [1, 2], [2, 1], [10, 20, 30], [3]);
    expect(col.shape).toEqual([2, 3]);
    expect([...col.data]).toEqual([-9, -19, -29, -8, -18, -28]);
    expect(() => broadcastShape([2, 3], [4, 3])).toThrow(/cannot be broadcast/);
    expect(broadcastShape([5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
  });
});
