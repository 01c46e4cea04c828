// Host-side parts of the observers: scale/zero point from a range, the MSE search space, and the
// percentile and entropy searches against a literal port of onnxruntime's calibrate.py.
import { describe, expect, it } from 'vitest';
import { entropyRange, percentileRange } from './histogram-search';
import { EPS, mseCandidates, qparams } from './qparams';
import { qrange } from '../types';
import { entropyWindowRef } from '../../ref/observers';
import { freshSeed, rng } from '../../test/helpers';

describe('qparams and MSE candidates', () => {
  it('asymmetric, symmetric and degenerate ranges', () => {
    expect(qparams(-1, 3, qrange(8, false))).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 64 });
    expect(qparams(0.5, 3, qrange(8, false))).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 0 });
    expect(qparams(-2, -1, qrange(4, false))).toEqual({ scale: Math.fround(2 / 15), zeroPoint: 15 });
    expect(qparams(-1, 3, qrange(8, true))).toEqual({ scale: Math.fround(3 / 127.5), zeroPoint: 0 });
    expect(qparams(0, 0, qrange(8, false))).toEqual({ scale: EPS, zeroPoint: 0 });
    expect(qparams(0, 0, qrange(2, true))).toEqual({ scale: EPS, zeroPoint: 0 });
  });

  it('1-D for one-sided data or a symmetric grid, 2-D over every zero point otherwise', () => {
    const u8 = qrange(8, false);
    expect(mseCandidates(0, 2, u8)).toMatchObject({ count: 100, twoD: false });
    expect(mseCandidates(-2, -1, u8)).toMatchObject({ count: 100, twoD: false });
    expect(mseCandidates(-2, 1, qrange(8, true))).toMatchObject({ count: 100, twoD: false });
    const c = mseCandidates(-2, 1, u8);
    expect(c).toMatchObject({ count: 25600, twoD: true });
    // the last range step is the whole [min, max] width; each zero point is its candidate's own
    expect(c.hi[25599] - c.lo[25599]).toBeCloseTo(3, 12);
    for (let i = 0; i < c.count; i += 97) expect(c.zeroPoint[i]).toBe(i % 256);
    const neg = mseCandidates(-2, -1, u8);
    expect([neg.lo[99], neg.hi[99], neg.zeroPoint[99]]).toEqual([-2, 0, 255]);
  });
});

describe('histogram searches', () => {
  it('percentile: lower edge of the bin where the CDF reaches p, clipped to [min, max]', () => {
    const h = new Uint32Array(10);
    h[0] = 90;
    h[5] = 9;
    h[9] = 1;
    // |x| over [0, 10]: 99 % is reached in bin 5, 100 % in bin 9
    expect(percentileRange(h, 10, 99, -20, 20)).toEqual([-5, 5]);
    expect(percentileRange(h, 10, 100, -20, 20)).toEqual([-9, 9]);
    expect(percentileRange(h, 10, 99, 0, 20)).toEqual([0, 5]);
    expect(percentileRange(h, 10, 99, -3, 4)).toEqual([-3, 4]);
  });

  it.each([
    ['dense', 2048, 128],
    ['sparse', 2048, 128],
    ['dense', 512, 16],
    ['sparse', 300, 4],
  ])('entropy window of a %s histogram (%i bins, %i quantized) = the literal port', (shape, bins, qb) => {
    const seed = freshSeed();
    const r = rng(seed);
    for (let trial = 0; trial < 3; trial++) {
      const h = new Uint32Array(bins);
      const centre = bins * (0.3 + 0.4 * r());
      const width = bins * (0.02 + 0.2 * r());
      const n = shape === 'dense' ? 200000 : 300;
      for (let i = 0; i < n; i++) {
        const g = (r() + r() + r() + r() - 2) * width + (r() < 0.01 ? (r() - 0.5) * bins : 0);
        h[Math.min(bins - 1, Math.max(0, Math.floor(centre + g)))]++;
      }
      const [lo, hi] = entropyRange(h, 0, bins, qb, -Infinity, Infinity);
      expect([lo, hi], `seed ${seed} trial ${trial}`).toEqual(entropyWindowRef(h, qb));
    }
  });
});
