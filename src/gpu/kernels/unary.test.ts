import { describe, it } from 'vitest';
import { unary, type UnaryOp } from './unary';
import { unaryRef } from '../../ref/unary';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const cases: [UnaryOp, number, number][] = [
  ['Relu', 0, 0],
  ['LeakyRelu', 0.1, 0],
  ['Clip', -0.5, 0.7],
  ['Clip', 0, 6],
  ['Sigmoid', 0, 0],
  ['HardSigmoid', 0.2, 0.5],
  ['HardSwish', 0, 0],
];

describe('unary kernels vs float64 reference', () => {
  it.each(cases)('%s(a=%d, b=%d)', async (op, a, b) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const n = 1000 + Math.floor(rng(seed)() * 5000);
    const xs = randArray(n, rng(seed), -8, 8);
    const x = gpu.tensor('x', [n], xs);
    const y = gpu.tensor('y', [n]);
    await gpu.run([unary(gpu, op, x, y, a, b)]);
    expectClose(await gpu.read(y), unaryRef(op, xs, a, b), { rtol: 1e-6, atol: 1e-6 }, `${op} seed ${seed}`);
  });
});
