// AdaRound (adaround.ts, adaround.wgsl, adaround-grad.wgsl): forward and backward against the float64
// reference (src/ref/adaround.ts), that reference's backward against central differences, and the initialisation.
import { describe, expect, it } from 'vitest';
import { adaroundInit, channelLayout, hardCodes, type AdaroundWeight } from './adaround';
import { expectBackward, expectCentralDiffs, FD_CASES, randV, softOnGpu } from './adaround-test-lib';
import { adaroundBackwardRef, adaroundRegRef, adaroundSoftRef, rectSigmoidRef } from '../../ref/adaround';
import { qrange } from '../../ref/round';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

function setup(seed: number, shape: number[], axis: number, bits: number, signed: boolean) {
  const r = rng(seed);
  const range = qrange(bits, signed);
  const { n, channels } = channelLayout(shape, axis);
  const scales = Array.from({ length: channels }, () => Math.fround(0.01 + r() * 0.2));
  const zeroPoints = Array.from({ length: channels }, () => (signed ? 0 : Math.floor(r() * (range.qmax + 1))));
  const { inner } = channelLayout(shape, axis);
  // ⌊W/s⌋ + z over [qmin − 2, qmax + 2]: every clamp region
  const wFloor = new Float32Array(n);
  for (let i = 0; i < n; i++) wFloor[i] = range.qmin - 2 + Math.floor(r() * (range.qmax - range.qmin + 5)) - zeroPoints[Math.floor(i / inner) % channels];
  const p: AdaroundWeight = { dims: shape, axis, scales, zeroPoints, range };
  return { r, n, p, wFloor, v: randV(n, r) };
}

const cases = [
  ['conv [16,8,3,3], per channel, 4-bit unsigned', [16, 8, 3, 3], 0, 4, false],
  ['gemm [24,40], axis 1, 2-bit signed', [24, 40], 1, 2, true],
  ['per tensor [300], 8-bit unsigned', [300], -1, 8, false],
] as const;

describe('adaround forward vs float64 reference', () => {
  it.each(cases)('%s', async (_name, shape, axis, bits, signed) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const { n, p, wFloor, v } = setup(seed, [...shape], axis, bits, signed);
    const { soft, hard } = await softOnGpu(gpu, [...shape], wFloor, v, p);
    // float32 sigmoid and the rounding of ⌊W/s⌋ + z + h to float32 (half an ulp of |qmax|)
    const sMax = Math.max(...Array.from(p.scales));
    const atol = sMax * (1e-6 + 2 ** -24 * Math.max(Math.abs(p.range.qmin), Math.abs(p.range.qmax)));
    expectClose(soft, adaroundSoftRef(wFloor, v, p), { rtol: 1e-6, atol }, `soft, seed ${seed}`);
    expectClose(hard, adaroundSoftRef(wFloor, v, p, true), { rtol: 0, atol: 0 }, `hard, seed ${seed}`);
    // the hard weight is exactly what the exported codes dequantize to
    const codes = hardCodes(p, wFloor, v);
    const { inner, channels } = channelLayout(shape, axis);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(i / inner) % channels;
      expect(codes[i] >= p.range.qmin && codes[i] <= p.range.qmax, `seed ${seed}: code ${codes[i]}`).toBe(true);
      expect(hard[i], `seed ${seed}: element ${i}`).toBe(Math.fround((codes[i] - p.zeroPoints[c]) * p.scales[c]));
    }
  });
});

describe('adaround backward vs float64 reference', () => {
  it.each([
    ...cases.map(([name, shape, axis, bits, signed]) => [`${name}, β = 7.3, λ = 0.01`, shape, axis, bits, signed, 7.3, 0.01] as const),
    ['conv, β = 20, λ = 0.1', [16, 8, 3, 3], 0, 4, false, 20, 0.1],
    ['conv, β = 2, λ = 0.01', [16, 8, 3, 3], 0, 3, true, 2, 0.01],
    ['conv, warm-up λ = 0', [16, 8, 3, 3], 0, 4, false, 20, 0],
    ['conv [256,128,3,3] (grid stride), β = 2', [256, 128, 3, 3], 0, 4, false, 2, 0.01],
  ] as const)('%s', async (_name, shape, axis, bits, signed, beta, lambda) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const { r, n, p, wFloor, v } = setup(seed, [...shape], axis, bits, signed);
    const dWs = randArray(n, r, -1, 1);
    const want = adaroundBackwardRef(dWs, wFloor, v, p, beta, lambda);
    // float32 sigmoid and pow (exp2(β·log2 m)): relative error grows with β·|log2 m|
    const sMax = Math.max(...Array.from(p.scales));
    await expectBackward(gpu, [...shape], { dW: dWs, wFloor, v, p, iter: 7, beta, lambda }, want, { rtol: 1e-4, atol: 1e-6 * (sMax + 2 * beta * lambda) }, seed);
  });
});

describe('adaround reference backward vs central differences of the float64 forward', () => {
  it.each(FD_CASES)('β = %s, λ = %s', (beta, lambda) => {
    const seed = freshSeed();
    const shape = [6, 4, 3, 3];
    const { r, n, p, wFloor, v } = setup(seed, shape, 0, 3, false);
    const dWs = randArray(n, r, -1, 1);
    const loss = (vv: ArrayLike<number>) => adaroundSoftRef(wFloor, vv, p, false, false).reduce((a, w, i) => a + dWs[i] * w, 0) + adaroundRegRef(vv, beta, lambda);
    expectCentralDiffs(loss, v, adaroundBackwardRef(dWs, wFloor, v, p, beta, lambda).dV, seed);
  });
});

describe('adaround init and hard codes', () => {
  it('h(V) reproduces the float weight; hard codes round to nearest', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const shape = [8, 3, 5, 5];
    const { n, inner, channels } = channelLayout(shape, 0);
    const range = qrange(4, false);
    const scales = Array.from({ length: channels }, () => Math.fround(0.01 + r() * 0.1));
    const zeroPoints = Array.from({ length: channels }, () => Math.floor(r() * 16));
    const w = randArray(n, r, -1, 1);
    w[0] = Math.fround(scales[0] * 3); // on the grid: rest = 0
    const p: AdaroundWeight = { dims: shape, axis: 0, scales, zeroPoints, range };
    const { wFloor, v } = adaroundInit(w, p);
    const soft = adaroundSoftRef(wFloor, v, p, false, false);
    const codes = hardCodes(p, wFloor, v);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(i / inner) % channels;
      const q = Math.fround(w[i] / scales[c]);
      expect(Number.isFinite(v[i]), `seed ${seed}: V[${i}] finite`).toBe(true);
      expect(wFloor[i], `seed ${seed}: floor ${i}`).toBe(Math.floor(q));
      expect(Math.abs(rectSigmoidRef(v[i]) - (q - Math.floor(q))), `seed ${seed}: h(V) = rest at ${i}`).toBeLessThan(1e-6);
      const inside = wFloor[i] + zeroPoints[c] >= range.qmin && wFloor[i] + zeroPoints[c] + 1 <= range.qmax;
      if (inside) expect(Math.abs(soft[i] - w[i]), `seed ${seed}: W̃ = W at ${i}`).toBeLessThan(1e-6 * scales[c] * 16);
      if (Math.abs(q - Math.floor(q) - 0.5) > 1e-5) expect(codes[i], `seed ${seed}: code ${i}`).toBe(Math.min(Math.max(Math.round(q) + zeroPoints[c], range.qmin), range.qmax));
    }
    expect(() => adaroundInit([1], { dims: [1], axis: 0, scales: [0] })).toThrow(/scale/);
  });
});
