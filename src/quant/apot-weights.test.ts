// APoT weights (apot-weights.ts): the α search against the exhaustive float64 search over the same
// 100 candidates (the pick's exact score is the smallest, ties to the first), and the codes of a
// whole weight against the float64 projection, on fresh random bell-shaped rows.
import { describe, expect, it } from 'vitest';
import { apotCodes, apotRange, apotSearch, apotWeightQuant } from './apot-weights';
import { EPS, MSE_STEPS } from './observers/qparams';
import { apotMidpoints, apotProjectRef, apotScoreRef, apotWeightCodes } from '../ref/apot';
import { channelLayout } from '../gpu/kernels/adaround';
import { transposeRef } from '../ref/transpose';
import { freshSeed, rng, testGpu } from '../test/helpers';

/** Only float64 rounding may separate the pick's exact score from the reference's best. */
const TOL = 1e-9;

type Kind = 'bell' | 'tail' | 'positive' | 'tiny' | 'zero';

function row(kind: Kind, n: number, r: () => number): Float32Array {
  const scale = kind === 'tiny' ? 1e-6 : 0.05 + r() * 0.2;
  return Float32Array.from({ length: n }, () => {
    if (kind === 'zero') return 0;
    let v = (r() + r() + r() + r() - 2) * scale;
    if (kind === 'tail' && r() < 0.01) v *= 8;
    return kind === 'positive' ? Math.abs(v) : v;
  });
}

/** The exhaustive search: every candidate's exact score, the first smallest. */
function searchRef(v: Float32Array, levels: Int32Array): { step: number; score: number } {
  const m = levels[levels.length - 1];
  const amax = v.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
  let best = { step: 0, score: Infinity };
  for (let i = 1; i <= MSE_STEPS; i++) {
    const step = Math.max(Math.fround((amax * i) / MSE_STEPS / m), EPS);
    const score = apotScoreRef(v, step, levels);
    if (score < best.score) best = { step, score };
  }
  return best;
}

describe('APoT α search (MSE with APoT projection)', () => {
  it.each([3, 4, 5, 6, 7])('%i-bit: the pick scores the exhaustive minimum', async (bits) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const levels = apotWeightCodes(bits);
    const kinds: Kind[] = ['bell', 'tail', 'positive', 'tiny', 'zero', 'bell', 'tail', 'bell'];
    const cols = 9 * (4 + Math.floor(r() * 60));
    const data = new Float32Array(kinds.length * cols);
    kinds.forEach((k, i) => data.set(row(k, cols, r), i * cols));
    const steps = await apotSearch(gpu, data, kinds.length, levels, 'test');
    kinds.forEach((k, i) => {
      const v = data.subarray(i * cols, (i + 1) * cols);
      const want = searchRef(v, levels);
      const got = apotScoreRef(v, steps[i], levels);
      const what = `seed ${seed}, row ${i} (${k}), ${cols} values`;
      expect(got, what).toBeLessThanOrEqual(want.score * (1 + TOL) + 1e-300);
      if (got === want.score) expect(steps[i], `${what}: the first of equal scores`).toBeLessThanOrEqual(want.step);
    });
  });
});

describe('APoT weight quantizer', () => {
  it.each([
    ['conv [16,8,3,3] per channel, 4-bit', [16, 8, 3, 3], 0, 4],
    ['gemm [20,12] channels on axis 1, 3-bit', [20, 12], 1, 3],
    ['per tensor [10,6,3,3], 5-bit', [10, 6, 3, 3], -1, 5],
  ] as const)('%s: codes are the float64 projection, in the level set, scale α/max', async (_name, dims, axis, bits) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const { n, inner } = channelLayout(dims, axis);
    const w = Float32Array.from({ length: n }, () => (r() + r() + r() - 1.5) * 0.1);
    const rows = axis === 1 ? Float32Array.from(transposeRef(w, [...dims], [1, 0]).data) : w;
    const rowDims = axis === 1 ? [dims[1], dims[0]] : [...dims];
    const q = await apotWeightQuant(gpu, w, rows, rowDims, [...dims], axis, bits, 'test');
    const levels = apotWeightCodes(bits);
    expect(q.range).toEqual(apotRange(bits));
    expect([...q.levels!]).toEqual([...levels]);
    expect(q.scales.length).toBe(axis < 0 ? 1 : dims[axis as 0 | 1]);
    expect([...q.zeroPoints].every((z) => z === 0)).toBe(true);
    const want = apotProjectRef(w, q.scales, inner, levels);
    const mids = apotMidpoints(levels);
    const set = new Set(levels);
    for (let i = 0; i < n; i++) {
      expect(set.has(Math.abs(q.codes[i])), `seed ${seed}: code ${q.codes[i]}`).toBe(true);
      if (q.codes[i] === want[i]) continue;
      const v = Math.abs(w[i]) / q.scales[Math.floor(i / inner) % q.scales.length];
      expect(mids.some((m) => Math.abs(v - m) <= 4 * 2 ** -23 * v), `seed ${seed}: element ${i} got ${q.codes[i]}, reference ${want[i]}`).toBe(true);
    }
    // the projection alone agrees with a second call on the same scales (the codes are a pure function of them)
    expect([...(await apotCodes(gpu, w, [...dims], axis, q.scales, levels, 'again'))]).toEqual([...q.codes]);
  });
});
