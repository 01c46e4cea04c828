// Activation backward on the GPU vs the float64 reference (random x away from kinks, then the
// kinks themselves with PyTorch's conventions), and the reference vs central finite differences
// of the forward reference.
import { describe, expect, it } from 'vitest';
import { unaryGrad } from './unary-grad';
import type { UnaryOp } from './unary';
import { unaryDerivative, unaryGradRef } from '../../ref/unary-grad';
import { unaryRef } from '../../ref/unary';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const cases: [UnaryOp, number, number][] = [
  ['Relu', 0, 0],
  ['LeakyRelu', 0.1, 0],
  ['Clip', -0.5, 0.7],
  ['Clip', 0, 6],
  ['Sigmoid', 0, 0],
  ['HardSigmoid', 0.2, 0.5],
  ['HardSigmoid', 0.25, 0.5],
  ['HardSwish', 0, 0],
  ['Identity', 0, 0],
];

/** Where op' jumps. */
function kinks(op: UnaryOp, a: number, b: number): number[] {
  switch (op) {
    case 'Relu': case 'LeakyRelu': return [0];
    case 'Clip': return [a, b];
    case 'HardSigmoid': return [-b / a, (1 - b) / a];
    case 'HardSwish': return [-3, 3];
    default: return [];
  }
}

/** Random values in [lo, hi) at least `gap` away from every kink. */
function awayFromKinks(n: number, r: () => number, ks: number[], gap: number, lo = -8, hi = 8): Float32Array {
  const xs = randArray(n, r, lo, hi);
  for (let i = 0; i < n; i++) {
    for (const k of ks) if (Math.abs(xs[i] - k) < gap) xs[i] = Math.fround(k + (xs[i] >= k ? gap : -gap) * 2);
  }
  return xs;
}

const tol = { rtol: 1e-5, atol: 1e-6 };

describe('unary backward kernels vs float64 reference', () => {
  it.each(cases)('%s(a=%d, b=%d) on random inputs', async (op, a, b) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const n = 1000 + Math.floor(r() * 4000);
    const xs = awayFromKinks(n, r, kinks(op, a, b), 1e-3);
    const dys = randArray(n, r, -2, 2);
    const x = gpu.tensor('x', [n], xs);
    const dy = gpu.tensor('dy', [n], dys);
    const dx = gpu.tensor('dx', [n]);
    await gpu.run([unaryGrad(gpu, op, x, dy, dx, a, b)]);
    expectClose(await gpu.read(dx), unaryGradRef(op, xs, dys, a, b), tol, `${op}Grad seed ${seed}`);
  });

  it('kinks follow PyTorch', async () => {
    const gpu = await testGpu();
    // [op, a, b, x, op'(x)] with every value exact in float32.
    const want: [UnaryOp, number, number, number, number][] = [
      ['Relu', 0, 0, 0, 0],
      ['Relu', 0, 0, -0, 0],
      ['LeakyRelu', 0.125, 0, 0, 0.125],
      ['Clip', -0.5, 0.75, -0.5, 0],
      ['Clip', -0.5, 0.75, 0.75, 0],
      ['Clip', 0, 6, 0, 0],
      ['Clip', 0, 6, 6, 0],
      ['Clip', 0, 6, 3, 1],
      ['HardSigmoid', 0.25, 0.5, -2, 0],
      ['HardSigmoid', 0.25, 0.5, 2, 0],
      ['HardSigmoid', 0.25, 0.5, 0, 0.25],
      ['HardSwish', 0, 0, -3, 0],
      ['HardSwish', 0, 0, 3, 1],
      ['HardSwish', 0, 0, 0, 0.5],
      ['Sigmoid', 0, 0, 0, 0.25],
      ['Identity', 0, 0, 0, 1],
    ];
    for (const [op, a, b, v, d] of want) {
      expect(unaryDerivative(op, v, a, b), `${op}'(${v}) reference`).toBe(d);
      const x = gpu.tensor('x', [3], new Float32Array([v, v, v]));
      const dy = gpu.tensor('dy', [3], new Float32Array([1, -2, 0.5]));
      const dx = gpu.tensor('dx', [3]);
      await gpu.run([unaryGrad(gpu, op, x, dy, dx, a, b)]);
      expect([...(await gpu.read(dx))], `${op}'(${v}) on the GPU`).toEqual([d, -2 * d, 0.5 * d]);
    }
  });

  it.each(cases)('reference %s(a=%d, b=%d) matches central finite differences', (op, a, b) => {
    const seed = freshSeed();
    const r = rng(seed);
    const n = 500;
    const h = 1e-6;
    const xs = Float64Array.from(awayFromKinks(n, r, kinks(op, a, b), 1e-3));
    const dys = Float64Array.from(randArray(n, r, -2, 2));
    const up = unaryRef(op, xs.map((v) => v + h), a, b);
    const down = unaryRef(op, xs.map((v) => v - h), a, b);
    const fd = dys.map((g, i) => (g * (up[i] - down[i])) / (2 * h));
    expectClose(unaryGradRef(op, xs, dys, a, b), fd, { rtol: 1e-6, atol: 1e-8 }, `${op} finite differences seed ${seed}`);
  });
});
