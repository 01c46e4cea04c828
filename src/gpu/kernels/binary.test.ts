// Every op of shaders/binary.wgsl on the GPU vs the float64 reference over random broadcast shapes
// (rank 0–6, rank differences, 1-sized dimensions on either side), Expand, and the edge values.
import { describe, expect, it } from 'vitest';
import { binary, expand, type BinaryOp } from './binary';
import { binaryRef, broadcastShape, expandRef } from '../../ref/binary';
import { expectClose, freshSeed, randArray, rng, size, testGpu, type Tolerance } from '../../test/helpers';

const ops: BinaryOp[] = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'PRelu', 'Max', 'Min', 'Equal'];

const exact: Tolerance = { rtol: 0, atol: 0 };
// Pow's fractional exponents go through the driver's exp2/log2 (a few ulp each)
const TOL: Partial<Record<BinaryOp, Tolerance>> = { Pow: { rtol: 4e-6, atol: 1e-7 }, Max: exact, Min: exact, Equal: exact };

/** Operand values per op: Pow a nonnegative base and integer or fractional exponents, Equal small integers (many ties). */
function operands(op: BinaryOp, r: () => number, na: number, nb: number): [Float32Array, Float32Array] {
  const signed = (v: number) => (r() < 0.5 ? -v : v);
  if (op === 'Pow') return [randArray(na, r, 0, 3), randArray(nb, r, -3, 3).map((v) => (r() < 0.5 ? Math.round(v) : v))];
  if (op === 'Equal') return [randArray(na, r, -2, 2).map(Math.round), randArray(nb, r, -2, 2).map(Math.round)];
  return [randArray(na, r, -4, 4), randArray(nb, r, 0.5, 2).map(signed)];
}

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
      const [as, bs] = operands(op, r, size(aShape), size(bShape));
      const a = gpu.tensor('a', aShape, as);
      const b = gpu.tensor('b', bShape, bs);
      const y = gpu.tensor('y', shape);
      await gpu.run([binary(gpu, op, a, b, y)]);
      const want = binaryRef(op, as, aShape, bs, bShape);
      expect(want.shape).toEqual(shape);
      const what = `${op} [${aShape}] with [${bShape}] seed ${seed}`;
      expectClose(await gpu.read(y), want.data, TOL[op] ?? { rtol: 1e-6, atol: 1e-7 }, what);
    }
    expect(gpu.pipelineCount - before, 'one pipeline per op, whatever the shapes').toBeLessThanOrEqual(1);
  });

  it('Expand copies x broadcast to random larger shapes', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const fixed: [number[], number[]][] = [[[3, 1], [2, 1, 6]], [[], [2, 3]], [[4], [3, 1]], [[1, 5, 1], [1]]];
    for (const [xShape, shape] of [...fixed, ...Array.from({ length: 6 }, () => randomShapes(r))]) {
      const out = broadcastShape(xShape, shape);
      const xs = randArray(size(xShape), r, -4, 4);
      const y = gpu.tensor('y', out);
      await gpu.run([expand(gpu, gpu.tensor('x', xShape, xs), y)]);
      const want = expandRef(xs, xShape, shape);
      expect(want.shape).toEqual(out);
      expectClose(await gpu.read(y), want.data, exact, `Expand [${xShape}] by [${shape}] seed ${seed}`);
    }
    expect(() => expand(gpu, gpu.tensor('x', [2, 3]), gpu.tensor('y', [3]))).toThrow(/does not broadcast/);
  });

  it('gives the values ONNX defines at the edges', async () => {
    const gpu = await testGpu();
    const cases: [BinaryOp, number[], number[], number[]][] = [
      // negative bases: integer powers keep their sign, fractional ones are NaN; x⁰ = 1, 0⁻¹ = ∞
      ['Pow', [-2, -2, -8, -2, -2, 0, 0, 3, -3, 2], [2, 3, 1 / 3, -1, 71, 0, -1, 0, 0.5, 100], [4, -8, NaN, -0.5, -(2 ** 71), 1, Infinity, 1, NaN, 2 ** 100]],
      ['Max', [NaN, 1, -0.5, 2], [1, NaN, -1, 2], [NaN, NaN, -0.5, 2]],
      ['Min', [NaN, 1, -0.5, 2], [1, NaN, -1, 2], [NaN, NaN, -1, 2]],
      ['Equal', [1, 0, NaN, -0], [1, 1, NaN, 0], [1, 0, 0, 1]],
      ['PRelu', [-2, 0, 3, -1], [0.25, 5, 5, -1], [-0.5, 0, 3, 1]],
    ];
    for (const [op, as, bs, want] of cases) {
      const y = gpu.tensor('y', [as.length]);
      await gpu.run([binary(gpu, op, gpu.tensor('a', [as.length], Float32Array.from(as)), gpu.tensor('b', [bs.length], Float32Array.from(bs)), y)]);
      expect([...(await gpu.read(y))], `${op}(${as}; ${bs})`).toEqual(want.map(Math.fround));
      const ref = binaryRef(op, as, [as.length], bs, [bs.length]).data;
      expect([...ref].map(Math.fround), `${op} reference`).toEqual(want.map(Math.fround));
    }
  });

  it('broadcasts a column against a row (hand-checked) and rejects incompatible shapes', () => {
    const col = binaryRef('Sub', [1, 2], [2, 1], [10, 20, 30], [3]);
    expect(col.shape).toEqual([2, 3]);
    expect([...col.data]).toEqual([-9, -19, -29, -8, -18, -28]);
    expect(() => broadcastShape([2, 3], [4, 3])).toThrow(/cannot be broadcast/);
    expect(broadcastShape([5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
  });
});
