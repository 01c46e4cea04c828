import { describe, expect, it } from 'vitest';
import { fakeQuant } from './fake-quant';
import { fakeQuantRef } from '../../ref/fake-quant';
import { freshSeed, randArray, rng, testGpu } from '../../test/helpers';
import { qrange } from '../../quant/types';

// x/s on the GPU may differ from correctly rounded float32 division by an ulp (WGSL allows 2.5 ulp),
// which can move a value sitting exactly on a rounding boundary by one step: allow a tiny fraction.
describe('fake-quant kernel vs float64 reference', () => {
  it.each([
    ['per tensor, 8-bit unsigned', 1, 8, false],
    ['per tensor, 4-bit signed', 1, 4, true],
    ['per channel, 2-bit unsigned', 6, 2, false],
    ['per channel, 3-bit signed', 5, 3, true],
  ] as const)('%s', async (_name, channels, bits, signed) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const shape = [2, channels === 1 ? 3 : channels, 5, 7];
    const n = shape.reduce((a, b) => a * b, 1);
    const xs = randArray(n, r, -3, 3);
    // include exact ties: multiples of s/2
    const range = qrange(bits, signed);
    const scales = Array.from({ length: channels }, () => Math.fround(0.05 + r() * 0.5));
    const zeroPoints = Array.from({ length: channels }, () => (signed ? 0 : Math.floor(r() * (range.qmax + 1))));
    for (let i = 0; i < n; i += 7) xs[i] = Math.fround(scales[channels === 1 ? 0 : Math.floor(i / 35) % channels] * (Math.floor(r() * 20) - 10 + 0.5));
    const x = gpu.tensor('x', shape, xs);
    const y = gpu.tensor('y', shape);
    const p = { scales, zeroPoints, qmin: range.qmin, qmax: range.qmax, axis: 1 };
    await gpu.run([fakeQuant(gpu, x, y, p)]);
    const got = await gpu.read(y);
    const want = fakeQuantRef(xs, shape, p);
    let off = 0;
    for (let i = 0; i < n; i++) {
      if (got[i] !== want[i]) {
        off++;
        const c = channels === 1 ? 0 : Math.floor(i / 35) % channels;
        expect(Math.abs(got[i] - want[i]), `seed ${seed} element ${i}`).toBeLessThanOrEqual(scales[c] * 1.0001);
      }
    }
    expect(off, `seed ${seed}: ${off} of ${n} elements differ by one step`).toBeLessThanOrEqual(Math.ceil(n * 0.01));
  });
});
