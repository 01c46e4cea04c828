// Reconstruction caches: float16 rounding (nearest even, subnormals, overflow), writes in pieces
// across chunk boundaries read back from the GPU, and the budget plan with its message.
import { describe, expect, it } from 'vitest';
import { cachedValues, createSampleCache, destroySampleCache, halfBits, halfValue, planCaches, writeSamples } from './cache';
import { freshSeed, randArray, rng, testGpu } from '../test/helpers';

describe('float16 rounding', () => {
  it('known values', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00], // tie between 65504 and 2^16: even is ∞
      [1e9, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie: even is 0
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps: even
      [1 + 2 ** -11, 0x3c00], // tie: even
      [1 + 3 * 2 ** -11, 0x3c02],
      [2 ** -14 - 2 ** -25, 0x0400], // rounds up into the normals
    ];
    for (const [x, h] of cases) expect(halfBits(x), `${x}`).toBe(h);
    expect(Number.isNaN(halfValue(halfBits(NaN)))).toBe(true);
  });

  it('random floats round to the nearest float16', () => {
    const seed = freshSeed();
    const r = rng(seed);
    for (let k = 0; k < 20000; k++) {
      const x = Math.fround((r() * 2 - 1) * 2 ** (Math.floor(r() * 40) - 26));
      const h = halfBits(x);
      const v = halfValue(h);
      const up = halfValue(h + 1);
      const down = halfValue(h === 0 || h === 0x8000 ? h ^ 0x8000 : h - 1);
      const err = Math.abs(x - v);
      expect(err, `x ${x} seed ${seed}`).toBeLessThanOrEqual(Math.abs(x - up));
      expect(err, `x ${x} seed ${seed}`).toBeLessThanOrEqual(Math.abs(x - down));
      expect(Math.abs(v) <= 65504, `x ${x}`).toBe(true);
    }
  });
});

describe('sample caches on the GPU', () => {
  it('writes in pieces across chunk boundaries read back as written (f32 exact, f16 rounded)', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const precision of ['f32', 'f16'] as const) {
      const count = 17;
      const size = 7; // odd: f16 samples are padded to 8 values
      const data = randArray(count * size, r, -3, 3);
      const stride = precision === 'f16' ? 8 : 7;
      const c = createSampleCache(gpu, 'c', count, size, precision, 5 * stride * (precision === 'f16' ? 2 : 4));
      expect(c.chunks.length).toBe(4);
      for (const [from, to] of [[0, 3], [3, 11], [11, 12], [12, 17]]) writeSamples(gpu, c, from, data.subarray(from * size, to * size));
      const want = cachedValues(data, precision);
      for (let k = 0; k < c.chunks.length; k++) {
        const n = Math.min(c.perChunk, count - k * c.perChunk);
        const words = new Uint32Array((await gpu.read(c.chunks[k], (n * stride * (precision === 'f16' ? 2 : 4)) / 4)).buffer);
        for (let s = 0; s < n; s++) {
          for (let e = 0; e < size; e++) {
            const j = s * stride + e;
            const got = precision === 'f32' ? new Float32Array(words.buffer)[j] : halfValue((words[j >> 1] >>> ((j & 1) * 16)) & 0xffff);
            expect(got, `${precision} chunk ${k} sample ${s} value ${e} seed ${seed}`).toBe(want[(k * c.perChunk + s) * size + e]);
          }
        }
      }
      expect(() => writeSamples(gpu, c, 15, data.subarray(0, 3 * size))).toThrow(/do not fit/);
      destroySampleCache(c);
    }
  });
});

describe('cache plan', () => {
  const base = { block: 'layer1.0', count: 1024, xSize: 16 * 32 * 32, ySize: 16 * 32 * 32, quantInput: true };
  it('float32 when it fits, float16 when only that fits, else a message with what fits', () => {
    expect(planCaches({ ...base, budget: 192 * 2 ** 20, precision: 'auto' })).toEqual({ precision: 'f32', bytes: 192 * 2 ** 20 });
    expect(planCaches({ ...base, budget: 100 * 2 ** 20, precision: 'auto' })).toEqual({ precision: 'f16', bytes: 96 * 2 ** 20 });
    expect(() => planCaches({ ...base, budget: 100 * 2 ** 20, precision: 'f32' })).toThrow(/at most 533 images.*allow float16/);
    let message = '';
    try {
      planCaches({ ...base, budget: 48 * 2 ** 20, precision: 'auto' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/block layer1\.0: caching 1024 calibration images needs 96\.0 MiB in float16 \(192\.0 MiB in float32\), above the cache budget of 48\.0 MiB/);
    expect(message).toMatch(/at most 512 images/);
    expect(message).toMatch(/--cache-mib/);
  });
});
