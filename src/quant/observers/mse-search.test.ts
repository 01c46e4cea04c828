// The one-pass MSE search (mse-search.ts, mse-observer.ts) against the exhaustive float64 search of
// src/ref/observers.ts on fresh random data: on weights (exact values) it finds the exact best
// candidate; on activations (a histogram of 2^16 bins per sign) the candidate it picks scores within
// ACT_TOL of the best one on the exact data.
import { describe, expect, it } from 'vitest';
import { createActObserver, EPS, observeWeights } from './index';
import { qrange, type QRange } from '../types';
import { lpScoreRef, observerRef } from '../../ref/observers';
import { lpError } from '../../ref/observer-kernels';
import { freshSeed, rng, testGpu } from '../../test/helpers';

/**
 * The stated tolerance of the histogram search: moving every value to its bin's centre (by at most
 * δ = 2^−16 of the largest magnitude) changes a candidate's score Σ|e|^2.4 by at most
 * B = Σ 2.4·(|e| + δ)^1.4·δ, so the pick scores within B(pick) + B(best) of the best — typically a few
 * 1e-4 of it (ACT_TOL). Data that repeats a few values many times ('spiky') and whose best grid
 * lands near them has a small best score and a larger B: there the bound, computed on the data,
 * is the tolerance (measured: seed 106678490, spiky u8, picked 0.19 % above the best; B allowed 4.9 %;
 * spiky u4 0.2 %).
 */
const ACT_TOL = 1e-3;
/** Weights are rescored exactly: only float64 rounding separates the pick from the reference's. */
const WEIGHT_TOL = 1e-9;

type Kind = 'mixed' | 'relu' | 'negative' | 'spiky' | 'tiny';

/**
 * Skewed data with a heavy tail, clipped at 0 for relu; 'spiky' repeats a few values many times;
 * 'tiny' is a nearly dead channel (|x| ~ 1e-7..1e-4: narrow candidates' scales clamp to EPS).
 */
function sample(kind: Kind, n: number, r: () => number): Float32Array {
  const shift = (r() - 0.4) * 2;
  const tail = 0.001 + 0.02 * r();
  const spikes = Array.from({ length: 4 }, () => (r() - 0.3) * 3);
  const tiny = 10 ** (-7 + 3 * r());
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = r() + r() + r() - 1.5 + shift;
    if (r() < tail) v *= 4 + 10 * r();
    if (kind === 'relu') v = Math.max(v, 0);
    if (kind === 'negative') v = -Math.abs(v);
    if (kind === 'spiky' && r() < 0.3) v = spikes[Math.floor(4 * r())];
    out[i] = kind === 'tiny' ? v * tiny : v;
  }
  return out;
}

/** The exact score of the pick against the reference's best; what names the case. */
function expectNearBest(xs: Float32Array, got: { scale: number; zeroPoint: number }, range: QRange, tol: number, what: string, binned = false): void {
  const [want] = observerRef('mse', xs, 1, range, { percentile: 99.99, bins: 2048, quantizedBins: 128 });
  const score = lpScoreRef(xs, got.scale, got.zeroPoint, range);
  let allowed = want.score! * (1 + tol) + 1e-30;
  if (binned) {
    const delta = xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0) * 2 ** -16;
    const bound = (scale: number, zp: number) => xs.reduce((b, v) => b + 2.4 * (lpError(v, scale, zp, range.qmin, range.qmax, 1) + delta) ** 1.4 * delta, 0);
    allowed = Math.max(allowed, want.score! + bound(got.scale, got.zeroPoint) + bound(want.scale, want.zeroPoint));
  }
  expect(score, `${what}: picked (${got.scale}, ${got.zeroPoint}) scores ${score}, best (${want.scale}, ${want.zeroPoint}) ${want.score}`).toBeLessThanOrEqual(allowed);
}

const RANGES: [string, QRange][] = [['u8', qrange(8, false)], ['u4', qrange(4, false)], ['u2', qrange(2, false)], ['s4', qrange(4, true)]];

describe('MSE search vs the exhaustive float64 search', () => {
  it.each(RANGES)('weights %s per channel: the exact best', async (_name, range) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const kinds: Kind[] = ['mixed', 'relu', 'tiny', 'negative', 'spiky', 'tiny'];
    const [rows, cols] = [12, 1 + Math.floor(r() * (range.bits === 8 ? 300 : 900))];
    const w = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = sample(kinds[i % kinds.length], cols, r);
      if (kinds[i % kinds.length] === 'tiny') {
        // a range whose every step (or its first 10-90 %) has a scale below EPS (clamped to it)
        const span = Math.max(...row) - Math.min(...row);
        const f = (EPS * (range.qmax - range.qmin) * (i % 2 ? 0.05 + 0.9 * r() : 100 / (10 + 80 * r()))) / span;
        row.forEach((v, j) => (row[j] = v * f));
      }
      w.set(row, i * cols);
    }
    const got = await observeWeights(gpu, 'mse', w, [rows, cols], range, true);
    for (let i = 0; i < rows; i++) {
      const row = w.subarray(i * cols, (i + 1) * cols);
      expectNearBest(row, { scale: got.scales[i], zeroPoint: got.zeroPoints[i] }, range, WEIGHT_TOL, `row ${i} (${kinds[i % kinds.length]}, ${cols} values) seed ${seed}`);
    }
  });

  it('a weight row longer than 2^16 values (searched on its histogram, rescored on the values)', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const w = sample('mixed', 70000, rng(seed));
    const range = qrange(2, false);
    const got = await observeWeights(gpu, 'mse', w, [70000], range, false);
    expectNearBest(w, { scale: got.scales[0], zeroPoint: got.zeroPoints[0] }, range, WEIGHT_TOL, `seed ${seed}`);
  });

  it.each([
    ['relu', 'u8', 60000],
    ['relu', 'u4', 60000],
    ['spiky', 'u4', 30000],
    ['spiky', 'u8', 1500],
    ['mixed', 'u4', 20000],
    ['mixed', 'u8', 1500],
    ['negative', 's4', 20000],
  ] as const)('activations, %s data, %s, %i values in 3 batches: within ACT_TOL of the best', async (kind, name, n) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const range = RANGES.find(([k]) => k === name)![1];
    const batches = [0.5, 0.3, 0.2].map((f) => sample(kind, Math.round(f * n), r));
    // a late batch with larger values makes the histograms merge bins
    batches[2].forEach((v, i) => (batches[2][i] = v * 1.7));
    const o = createActObserver(gpu, 'mse', range);
    const buf = gpu.tensor('act', [batches[0].length]).buffer;
    try {
      for (const b of batches) {
        gpu.write(buf, b);
        await gpu.run(o.observe(0, { buffer: buf, shape: [b.length] }));
      }
      await o.endPass(0);
      const all = Float32Array.from(batches.flatMap((b) => [...b]));
      expectNearBest(all, await o.result(), range, ACT_TOL, `${kind} ${name} seed ${seed}`, kind === 'spiky');
    } finally {
      o.destroy();
      buf.destroy();
    }
  });
});
