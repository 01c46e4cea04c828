// AdaRound between neighbouring APoT levels (adaround.ts's levels variant, adaround-levels*.wgsl):
// forward and backward against the float64 reference (src/ref/adaround-levels.ts), that reference's
// backward against central differences, and the initialisation (neighbours, h(V) = rest, hard codes).
import { describe, expect, it } from 'vitest';
import { adaroundInit, channelLayout, hardCodes } from './adaround';
import { expectBackward, expectCentralDiffs, FD_CASES, randV, softOnGpu } from './adaround-test-lib';
import { rectSigmoidRef } from '../../ref/adaround';
import { levelsBackwardRef, levelsInitRef, levelsSoftRef } from '../../ref/adaround-levels';
import { apotCodeRef, apotMidpoints, apotWeightCodes } from '../../ref/apot';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

/** A weight quantizer with APoT levels, weights spread over the whole grid and beyond its clamp, and V away from the kinks. */
function setup(seed: number, shape: number[], axis: number, bits: number) {
  const r = rng(seed);
  const levels = apotWeightCodes(bits);
  const m = levels[levels.length - 1];
  const { n, inner, channels } = channelLayout(shape, axis);
  const scales = Array.from({ length: channels }, () => Math.fround((0.05 + r() * 0.2) / m));
  const w = Float32Array.from({ length: n }, (_, i) => (r() * 2 - 1) * 1.15 * m * scales[Math.floor(i / inner) % channels]);
  const p = { dims: shape, axis, scales, zeroPoints: new Array<number>(channels).fill(0), range: { qmin: -m, qmax: m }, levels };
  const init = adaroundInit(w, p);
  return { r, n, w, p, lo: init.wFloor, gap: init.gap!, v: randV(n, r), v0: init.v, levels };
}

const cases = [
  ['conv [16,8,3,3], per channel, 4-bit', [16, 8, 3, 3], 0, 4],
  ['gemm [24,40], axis 1, 3-bit', [24, 40], 1, 3],
  ['per tensor [300], 6-bit', [300], -1, 6],
  ['conv [8,4,3,3], 7-bit', [8, 4, 3, 3], 0, 7],
] as const;

describe('adaround levels forward vs float64 reference', () => {
  it.each(cases)('%s', async (_name, shape, axis, bits) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const { n, p, lo, gap, v, levels } = setup(seed, [...shape], axis, bits);
    const { soft, hard } = await softOnGpu(gpu, [...shape], lo, v, p, gap);
    // float32 sigmoid (≈1e-7 relative) times the gap, and lo + h·gap rounded to float32 (half an ulp of the max code)
    const m = levels[levels.length - 1];
    const sMax = Math.max(...p.scales);
    expectClose(soft, levelsSoftRef(lo, gap, v, p), { rtol: 1e-6, atol: sMax * m * (1e-6 + 2 ** -23) }, `soft, seed ${seed}`);
    expectClose(hard, levelsSoftRef(lo, gap, v, p, true), { rtol: 0, atol: 0 }, `hard, seed ${seed}`);
    // hard rounding picks lo or hi: codes in the level set, exactly what DequantizeLinear gives
    const codes = hardCodes(p, lo, v, gap);
    const set = new Set(levels);
    const { inner, channels } = channelLayout(shape, axis);
    for (let i = 0; i < n; i++) {
      expect(set.has(Math.abs(codes[i])) && (codes[i] === lo[i] || codes[i] === lo[i] + gap[i]), `seed ${seed}: code ${codes[i]} at ${i}`).toBe(true);
      expect(hard[i], `seed ${seed}: element ${i}`).toBe(Math.fround(codes[i] * p.scales[Math.floor(i / inner) % channels]));
    }
  });
});

describe('adaround levels backward vs float64 reference', () => {
  it.each([
    ...cases.map(([name, shape, axis, bits]) => [`${name}, β = 7.3, λ = 0.01`, shape, axis, bits, 7.3, 0.01] as const),
    ['conv, β = 20, λ = 0.1', [16, 8, 3, 3], 0, 4, 20, 0.1],
    ['conv, warm-up λ = 0', [16, 8, 3, 3], 0, 5, 2, 0],
    ['conv [256,128,3,3] (grid stride), β = 2', [256, 128, 3, 3], 0, 4, 2, 0.01],
  ] as const)('%s', async (_name, shape, axis, bits, beta, lambda) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const { r, n, p, lo, gap, v } = setup(seed, [...shape], axis, bits);
    const dWs = randArray(n, r, -1, 1);
    const want = levelsBackwardRef(dWs, gap, v, p, beta, lambda);
    const sMax = Math.max(...p.scales);
    const gMax = gap.reduce((a, g) => Math.max(a, g), 0);
    await expectBackward(gpu, [...shape], { dW: dWs, wFloor: lo, v, gap, p, iter: 3, beta, lambda }, want, { rtol: 1e-4, atol: 1e-6 * (sMax * gMax + 2 * beta * lambda) }, seed);
  });
});

describe('adaround levels reference backward vs central differences of the float64 forward', () => {
  it.each(FD_CASES)('β = %s, λ = %s', (beta, lambda) => {
    const seed = freshSeed();
    const { r, n, p, lo, gap, v } = setup(seed, [6, 4, 3, 3], 0, 4);
    const dWs = randArray(n, r, -1, 1);
    const reg = (vv: ArrayLike<number>) => Array.from(vv).reduce((a, x) => a + 1 - Math.abs(2 * rectSigmoidRef(x) - 1) ** beta, 0) * lambda;
    const loss = (vv: ArrayLike<number>) => levelsSoftRef(lo, gap, vv, p, false, false).reduce((a, w, i) => a + dWs[i] * w, 0) + reg(vv);
    expectCentralDiffs(loss, v, levelsBackwardRef(dWs, gap, v, p, beta, lambda).dV, seed);
    expect(gap.filter((g) => g === 0).length, `seed ${seed}: some weights beyond the clamp`).toBeGreaterThan(0);
  });
});

describe('adaround levels init and hard codes', () => {
  it('lo/gap are the neighbouring levels, h(V) = rest, hard codes at init project to the nearest level', () => {
    for (const bits of [3, 4, 5, 6, 7]) {
      const seed = freshSeed();
      const { n, w, p, lo, gap, v0, levels } = setup(seed, [8, 3, 5, 5], 0, bits);
      const ref = levelsInitRef(w, p, levels);
      const soft = levelsSoftRef(lo, gap, v0, p, false, false);
      const codes = hardCodes(p, lo, v0, gap);
      const mids = apotMidpoints(levels);
      const inner = 75;
      for (let i = 0; i < n; i++) {
        const s = p.scales[Math.floor(i / inner)];
        const what = `bits ${bits}, seed ${seed}, element ${i}`;
        expect([lo[i], gap[i]], what).toEqual([ref.lo[i], ref.gap[i]]);
        expect(Number.isFinite(v0[i]), what).toBe(true);
        expect(Math.abs(rectSigmoidRef(v0[i]) - ref.rest[i]), `${what}: h(V) = rest`).toBeLessThan(1e-6);
        if (gap[i] > 0) expect(Math.abs(soft[i] - w[i]), `${what}: W̃ = W`).toBeLessThan(1e-6 * s * gap[i] + 1e-7 * Math.abs(w[i]));
        const v = Math.abs(w[i]) / Math.fround(s);
        if (!mids.some((mid) => Math.abs(v - mid) < 1e-5 * Math.max(1, v))) expect(codes[i], `${what}: nearest level`).toBe(apotCodeRef(w[i], s, levels));
      }
    }
  });
});
