import { describe, expect, it } from 'vitest';
import { adaroundBackward, adaroundInit, adaroundParams, adaroundRegPartials, adaroundSoft, channelLayout, hardCodes, type AdaroundWeight } from './adaround';
import { reduceSum } from './reduce-sum';
import { adaroundBackwardRef, adaroundRegRef, adaroundSoftRef, rectSigmoidRef } from '../../ref/adaround';
import { stepBuffer, writeStep } from './step';
import { qrange } from '../../quant/types';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const KINK = Math.log(11); // h(±log 11) = 1 or 0: the clamp of h

/** V in [−6, 6] (some saturated), away from the kinks of h and from V = 0, where hard rounding flips. */
function randV(n: number, r: () => number): Float32Array {
  const v = randArray(n, r, -6, 6);
  for (let i = 0; i < n; i++) while (Math.abs(Math.abs(v[i]) - KINK) < 1e-3 || Math.abs(v[i]) < 1e-3) v[i] = Math.fround(-6 + 12 * r());
  return v;
}

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
    const wf = gpu.tensor('wFloor', [...shape], wFloor).buffer;
    const vt = gpu.tensor('v', [...shape], v);
    const params = adaroundParams(gpu, p);
    const soft = gpu.tensor('soft', [...shape]);
    const hard = gpu.tensor('hard', [...shape]);
    const o = { ...p.range, axis };
    await gpu.run([adaroundSoft(gpu, wf, vt, params, soft, o), adaroundSoft(gpu, wf, vt, params, hard, { ...o, hard: true })]);
    // float32 sigmoid and the rounding of ⌊W/s⌋ + z + h to float32 (half an ulp of |qmax|)
    const sMax = Math.max(...Array.from(p.scales));
    const atol = sMax * (1e-6 + 2 ** -24 * Math.max(Math.abs(p.range.qmin), Math.abs(p.range.qmax)));
    expectClose(await gpu.read(soft), adaroundSoftRef(wFloor, v, p), { rtol: 1e-6, atol }, `soft, seed ${seed}`);
    const hardGot = await gpu.read(hard);
    expectClose(hardGot, adaroundSoftRef(wFloor, v, p, true), { rtol: 0, atol: 0 }, `hard, seed ${seed}`);
    // the hard weight is exactly what the exported codes dequantize to
    const codes = hardCodes(p, wFloor, v);
    const { inner, channels } = channelLayout(shape, axis);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(i / inner) % channels;
      expect(codes[i] >= p.range.qmin && codes[i] <= p.range.qmax, `seed ${seed}: code ${codes[i]}`).toBe(true);
      expect(hardGot[i], `seed ${seed}: element ${i}`).toBe(Math.fround((codes[i] - p.zeroPoints[c]) * p.scales[c]));
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
    const step = stepBuffer(gpu);
    writeStep(gpu, step, { iter: 7, seed: 1, beta, lambda, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });
    const dV = gpu.tensor('dV', [...shape]);
    const slots = adaroundRegPartials(n);
    const partials = gpu.buffer('partials', slots * 4);
    const reg = gpu.tensor('reg', [2], new Float32Array([0, 5])).buffer;
    await gpu.run([
      ...adaroundBackward(gpu, gpu.tensor('dW', [...shape], dWs), gpu.tensor('wFloor', [...shape], wFloor).buffer, gpu.tensor('v', [...shape], v), adaroundParams(gpu, p), dV, partials, { ...p.range, axis }, step),
      reduceSum(gpu, partials, slots, reg, 1, 'add'),
    ]);
    const want = adaroundBackwardRef(dWs, wFloor, v, p, beta, lambda);
    // float32 sigmoid and pow (exp2(β·log2 m)): relative error grows with β·|log2 m|
    const sMax = Math.max(...Array.from(p.scales));
    expectClose(await gpu.read(dV), want.dV, { rtol: 1e-4, atol: 1e-6 * (sMax + 2 * beta * lambda) }, `dV, seed ${seed}`);
    const got = await gpu.read(reg, 2);
    expect(Math.abs(got[1] - 5 - want.reg), `reg ${got[1] - 5} vs ${want.reg}, seed ${seed}`).toBeLessThanOrEqual(1e-5 * lambda * n + 1e-6);
    expect(got[0], `seed ${seed}: other slot untouched`).toBe(0);
  });
});

describe('adaround reference backward vs central differences of the float64 forward', () => {
  it.each([
    [7.3, 0.01],
    [2, 0.1],
    [20, 0.05],
  ])('β = %s, λ = %s', (beta, lambda) => {
    const seed = freshSeed();
    const shape = [6, 4, 3, 3];
    const { r, n, p, wFloor, v } = setup(seed, shape, 0, 3, false);
    const dWs = randArray(n, r, -1, 1);
    const v64 = Float64Array.from(v);
    const loss = (vv: ArrayLike<number>) => adaroundSoftRef(wFloor, vv, p, false, false).reduce((a, w, i) => a + dWs[i] * w, 0) + adaroundRegRef(vv, beta, lambda);
    const want = adaroundBackwardRef(dWs, wFloor, v, p, beta, lambda);
    const h = 1e-6;
    const fd = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const vp = v64.slice();
      const vm = v64.slice();
      vp[i] += h;
      vm[i] -= h;
      fd[i] = (loss(vp) - loss(vm)) / (2 * h);
    }
    expectClose(fd, want.dV, { rtol: 1e-5, atol: 1e-6 }, `dV, seed ${seed}`);
    // some elements of every kind took part
    expect(want.dV.filter((d) => d === 0).length, `seed ${seed}: saturated`).toBeGreaterThan(0);
    expect(want.dV.filter((d) => d !== 0).length, `seed ${seed}: active`).toBeGreaterThan(n / 4);
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
