// float16 pack/unpack of sample caches on the GPU vs the CPU's halfBits/halfValue (src/gpu/half.ts),
// bit for bit: random values with ties, subnormals, overflow, ±∞ and NaN, odd sample sizes, offsets
// on both sides; the words outside the span stay as they were.
import { describe, expect, it } from 'vitest';
import { halfBits, halfValue } from '../half';
import { freshSeed, rng, testGpu } from '../../test/helpers';
import { packHalf, unpackHalf, type SampleSpan } from './cache-io';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]);

/** A float32 that exercises float16 rounding: ties, subnormals, overflow, specials. */
function edgy(r: () => number): number {
  const k = r();
  if (k < 0.05) return [Infinity, -Infinity, NaN, 0, -0, 65504, 65520, -65519.99, 2 ** -24, 2 ** -25, 3 * 2 ** -25][Math.floor(r() * 11)];
  if (k < 0.15) return (r() < 0.5 ? -1 : 1) * (1 + (2 * Math.floor(r() * 1024) + 1) * 2 ** -11) * 2 ** (Math.floor(r() * 30) - 14); // ties
  return Math.fround((r() * 2 - 1) * 2 ** (Math.floor(r() * 44) - 28));
}

describe('cache pack/unpack vs halfBits/halfValue', () => {
  it('random spans, bit exact', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (let trial = 0; trial < 6; trial++) {
      const size = 1 + Math.floor(r() * 40);
      const samples = 1 + Math.floor(r() * 9);
      const half = size + (size & 1) + 2 * Math.floor(r() * 2);
      const o: SampleSpan = { samples, size, srcStride: size + Math.floor(r() * 3), dstStride: half, srcFirst: Math.floor(r() * 4), dstFirst: Math.floor(r() * 4) };
      const what = `trial ${trial} ${JSON.stringify(o)} seed ${seed}`;
      // pack
      const x = Float32Array.from({ length: (o.srcFirst + samples) * o.srcStride }, () => edgy(r));
      const words = (o.dstFirst + samples + 1) * (half / 2);
      const src = gpu.tensor('x', [x.length], x);
      const dst = gpu.tensor('h', [words], new Uint32Array(words).fill(0xdeadbeef));
      await gpu.run([packHalf(gpu, src.buffer, dst.buffer, o)]);
      const got = new Uint32Array((await gpu.read(dst)).buffer);
      const want = new Uint32Array(words).fill(0xdeadbeef);
      for (let s = 0; s < samples; s++) {
        for (let j = 0; j < half / 2; j++) {
          const h = (e: number) => (e < size ? halfBits(x[(o.srcFirst + s) * o.srcStride + e]) : 0);
          want[(o.dstFirst + s) * (half / 2) + j] = (h(2 * j) | (h(2 * j + 1) << 16)) >>> 0;
        }
      }
      expect(Array.from(got), `pack ${what}`).toEqual(Array.from(want));
      // unpack the other way: every half pattern is possible
      const u: SampleSpan = { ...o, srcStride: half, dstStride: o.srcStride, srcFirst: o.dstFirst, dstFirst: o.srcFirst };
      const hs = Uint32Array.from({ length: words }, () => Math.floor(r() * 2 ** 32));
      const hbuf = gpu.tensor('h2', [words], hs);
      const out = gpu.tensor('y', [x.length], new Uint32Array(x.length).fill(0xdeadbeef));
      await gpu.run([unpackHalf(gpu, hbuf.buffer, out.buffer, u)]);
      const back = new Uint32Array((await gpu.read(out)).buffer);
      const expectBits = new Uint32Array(x.length).fill(0xdeadbeef);
      for (let s = 0; s < samples; s++) {
        for (let e = 0; e < size; e++) {
          const k = (u.srcFirst + s) * half + e;
          const v = halfValue((hs[k >> 1] >>> ((k & 1) * 16)) & 0xffff);
          const at = (u.dstFirst + s) * u.dstStride + e;
          // NaN: any NaN with the payload's top bits
          expectBits[at] = Number.isNaN(v) ? back[at] : bitsOf(v);
          if (Number.isNaN(v)) expect(Number.isNaN(new Float32Array(back.buffer)[at]), `unpack NaN ${what}`).toBe(true);
        }
      }
      expect(Array.from(back), `unpack ${what}`).toEqual(Array.from(expectBits));
      for (const t of [src, dst, hbuf, out]) t.buffer.destroy();
    }
  });

  it('rejects spans past the buffers and odd float16 strides', async () => {
    const gpu = await testGpu();
    const a = gpu.buffer('a', 64);
    const b = gpu.buffer('b', 64);
    expect(() => packHalf(gpu, a, b, { samples: 2, size: 3, srcStride: 3, dstStride: 3, srcFirst: 0, dstFirst: 0 })).toThrow(/even/);
    expect(() => unpackHalf(gpu, a, b, { samples: 9, size: 4, srcStride: 4, dstStride: 4, srcFirst: 0, dstFirst: 0 })).toThrow(/overrun/);
    a.destroy();
    b.destroy();
  });
});
