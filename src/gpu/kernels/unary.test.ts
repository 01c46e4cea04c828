// Every op of shaders/unary.wgsl vs the float64 reference on fresh random inputs (each op over the
// range where it is defined and interesting, with its tolerance), and the edge values ONNX fixes.
import { describe, expect, it } from 'vitest';
import { unary, type UnaryOp } from './unary';
import { erf, unaryRef } from '../../ref/unary';
import { expectClose, freshSeed, randArray, rng, testGpu, type Tolerance } from '../../test/helpers';

const exact: Tolerance = { rtol: 0, atol: 0 };
const tight: Tolerance = { rtol: 1e-6, atol: 1e-6 };
// exp/log/tanh through the driver's transcendental functions (Vulkan allows a few ulp, 3 + 2|x| for exp)
const transcendental: Tolerance = { rtol: 4e-6, atol: 2e-6 };

/** op, a, b, input range, tolerance. */
const cases: [UnaryOp, number, number, number, number, Tolerance][] = [
  ['Relu', 0, 0, -8, 8, tight],
  ['LeakyRelu', 0.1, 0, -8, 8, tight],
  ['Clip', -0.5, 0.7, -8, 8, tight],
  ['Clip', 0, 6, -8, 8, tight],
  ['Sigmoid', 0, 0, -8, 8, tight],
  ['HardSigmoid', 0.2, 0.5, -8, 8, tight],
  ['HardSwish', 0, 0, -8, 8, tight],
  ['Identity', 0, 0, -8, 8, exact],
  ['Tanh', 0, 0, -6, 6, transcendental],
  ['Erf', 0, 0, -4, 4, transcendental],
  ['Gelu', 0, 0, -8, 8, transcendental],
  ['GeluTanh', 0, 0, -8, 8, transcendental],
  ['Elu', 1, 0, -8, 8, transcendental],
  ['Elu', 0.3, 0, -8, 8, transcendental],
  ['Selu', 1.67326319217681884765625, 1.05070102214813232421875, -8, 8, transcendental],
  ['Selu', 2, 3, -8, 8, transcendental],
  ['Softplus', 0, 0, -20, 20, transcendental],
  ['Sqrt', 0, 0, 0, 100, tight],
  ['Exp', 0, 0, -10, 10, { rtol: 2e-6, atol: 0 }],
  ['Log', 0, 0, 1e-3, 100, transcendental],
  ['Reciprocal', 0, 0, 0.01, 10, tight],
  ['Neg', 0, 0, -8, 8, exact],
  ['Abs', 0, 0, -8, 8, exact],
  ['Floor', 0, 0, -8, 8, exact],
  ['Ceil', 0, 0, -8, 8, exact],
];

async function run(op: UnaryOp, xs: Float32Array, a = 0, b = 0): Promise<Float32Array> {
  const gpu = await testGpu();
  const x = gpu.tensor('x', [xs.length], xs);
  const y = gpu.tensor('y', [xs.length]);
  await gpu.run([unary(gpu, op, x, y, a, b)]);
  return gpu.read(y);
}

describe('unary kernels vs float64 reference', () => {
  it.each(cases)('%s(a=%d, b=%d) on [%d, %d)', async (op, a, b, lo, hi, tol) => {
    const seed = freshSeed();
    const r = rng(seed);
    const n = 1000 + Math.floor(r() * 5000);
    const xs = randArray(n, r, lo, hi);
    // negative reciprocals too, and the kinks of the piecewise ops exactly
    if (op === 'Reciprocal') xs.forEach((v, i) => (xs[i] = i % 2 ? -v : v));
    xs.set([0, 1, -1, 0.5, -0.5].filter((v) => v >= lo && v < hi), 0);
    expectClose(await run(op, xs, a, b), unaryRef(op, xs, a, b), tol, `${op} seed ${seed}`);
  });

  it('gives the values ONNX defines at the edges (no NaN from overflow)', async () => {
    const edges: [UnaryOp, number[], number[]][] = [
      ['Sqrt', [-1, 0, 4], [NaN, 0, 2]],
      ['Log', [-1, 0, 1], [NaN, -Infinity, 0]],
      ['Exp', [-200, 200], [0, Infinity]],
      ['Reciprocal', [0, -0], [Infinity, -Infinity]],
      ['Tanh', [-60, 60, 0], [-1, 1, 0]],
      ['Sigmoid', [-200, 200], [0, 1]],
      ['Softplus', [-200, 200], [0, 200]],
      ['Gelu', [-60, 60], [-0, 60]],
      ['GeluTanh', [-60, 60], [-0, 60]],
      ['Erf', [-60, 60, 0], [-1, 1, 0]],
      ['Elu', [-200], [-1]],
    ];
    for (const [op, xs, want] of edges) {
      const got = [...(await run(op, Float32Array.from(xs), op === 'Elu' ? 1 : 0))];
      expect(got.map((v) => (v === 0 ? 0 : v)), `${op}(${xs})`).toEqual(want.map((v) => (v === 0 ? 0 : v)));
    }
  });

  it('erf reference matches tabulated values', () => {
    const table: [number, number][] = [[0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3.5, 0.9999992569016276]];
    for (const [x, v] of table) {
      expect(erf(x)).toBeCloseTo(v, 14);
      expect(erf(-x)).toBeCloseTo(-v, 14);
    }
  });
});
