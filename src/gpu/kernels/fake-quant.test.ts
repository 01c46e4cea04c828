import { describe, expect, it } from 'vitest';
import { fakeQuant } from './fake-quant';
import { fakeQuantRef } from '../../ref/fake-quant';
import { freshSeed, randArray, rng, testGpu } from '../../test/helpers';
import { qrange } from '../../ref/round';

// The kernel rounds the correctly rounded float32 quotient x / s half to even, as QuantizeLinear does,
// even where the adapter's division is off by a few ulps (WGSL allows 2.5): equal to the reference.
describe('fake-quant kernel vs float64 reference', () => {
  it.each([
    ['per tensor, 8-bit unsigned', 1, 8, false],
    ['per tensor, 4-bit signed', 1, 4, true],
    ['per channel, 2-bit unsigned', 6, 2, false],
    ['per channel, 3-bit signed', 5, 3, true],
    ['per tensor, 8-bit unsigned, codes out', 1, 8, false, true],
    ['per channel, 4-bit unsigned, codes out', 6, 4, false, true],
  ] as [string, number, number, boolean, boolean?][])('%s', async (_name, channels, bits, signed, codes = false) => {
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
    const chOf = (i: number) => (channels === 1 ? 0 : Math.floor(i / 35) % channels);
    for (let i = 0; i < n; i += 7) xs[i] = Math.fround(scales[chOf(i)] * (Math.floor(r() * 20) - 10 + 0.5));
    const x = gpu.tensor('x', shape, xs);
    const y = gpu.tensor('y', shape);
    const p = { scales, zeroPoints, qmin: range.qmin, qmax: range.qmax, axis: 1, codes };
    await gpu.run([fakeQuant(gpu, x, y, p)]);
    const got = await gpu.read(y);
    const want = fakeQuantRef(xs, shape, p);
    // codes: integers in [qmin − z, qmax − z], the dequantized outputs divided by s
    if (codes) {
      const deq = fakeQuantRef(xs, shape, { ...p, codes: false });
      expect(want.every((v, i) => Number.isInteger(v) && Math.fround(v * scales[chOf(i)]) === deq[i])).toBe(true);
    }
    let off = 0;
    for (let i = 0; i < n; i++) if (got[i] !== want[i]) off++;
    expect(off, `seed ${seed}: ${off} of ${n} elements differ from the reference`).toBe(0);
  });

  // Quotients within a few ulps of a half-integer, where x·(1/s) or an inexact division flips the code;
  // the quotient is also moved by up to ±3 ulps on the GPU (QDIV_ULPS) to stand for such a division.
  it.each([-3, -2, -1, 0, 1, 2, 3])('exact on near-ties with the quotient moved by %i ulps', async (ulps) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const n = 1 << 14;
    const f = new Float32Array(1);
    const bits = new Int32Array(f.buffer);
    const scale = Math.fround(2 ** (r() * 40 - 30) * (1 + r()));
    const xs = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      f[0] = scale * (Math.floor(r() * 600) - 300 + 0.5);
      bits[0] += Math.floor(r() * 13) - 6;
      xs[i] = i % 97 === 0 ? [0, -0, 1e-40, -1e-45, scale * 1e7, -scale / 2][(i / 97) % 6] : f[0];
    }
    const x = gpu.tensor('x', [n], xs);
    const y = gpu.tensor('y', [n]);
    const p = { scales: [scale], zeroPoints: [3], qmin: -250, qmax: 250, qdivUlps: ulps };
    await gpu.run([fakeQuant(gpu, x, y, p)]);
    const got = await gpu.read(y);
    const want = fakeQuantRef(xs, [n], p);
    const bad = got.findIndex((v, i) => v !== want[i]);
    expect(bad, `seed ${seed}, scale ${scale}: x ${xs[bad]} gives ${got[bad]}, QuantizeLinear ${want[bad]}`).toBe(-1);
  });
});
