import { describe, expect, it } from 'vitest';
import { adam, type AdamOptions } from './adam';
import { adamRef } from '../../ref/adam';
import { stepBuffer, writeStep } from './step';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

// Several steps with a cosine-decayed lr and the bias corrections of each step t: the GPU state
// (float32) against a float64 run of the same updates.
describe('adam kernel vs float64 reference', () => {
  it.each([
    ['AdaRound V, lr_v', 5000, { slot: 'v' } as AdamOptions, 1e-3, 0, 1],
    ['LSQ [s, z] pairs, stride 2, lr_s, positive', 300, { slot: 's', stride: 2, positive: { eps: 5e-3 } } as AdamOptions, 1e-2, 1e-3, 3e-3],
    ['custom betas and eps', 1000, { slot: 'v', beta1: 0.8, beta2: 0.99, eps: 1e-6 } as AdamOptions, 5e-3, -1, 1],
  ] as const)('%s', async (_name, n, o, lr0, lo, hi) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const stride = o.stride ?? 1;
    const init = randArray(n * stride, r, lo, hi);
    const param = gpu.tensor('param', [n * stride], init).buffer;
    const grad = gpu.buffer('grad', n * 4);
    const m = gpu.tensor('m', [n], new Float32Array(n)).buffer;
    const v = gpu.tensor('v', [n], new Float32Array(n)).buffer;
    const step = stepBuffer(gpu);
    const pRef = Float64Array.from(init);
    const mRef = new Float64Array(n);
    const vRef = new Float64Array(n);
    const mAbs = new Float64Array(n); // m of |g|: the scale of m's float32 cancellation error
    const b1 = o.beta1 ?? 0.9;
    const b2 = o.beta2 ?? 0.999;
    const T = 6;
    for (let t = 0; t < T; t++) {
      // gradients over several decades, some exactly zero
      const g = randArray(n, r, -1, 1).map((x, k) => (k % 17 === 0 ? 0 : x * 10 ** Math.floor(r() * 6 - 4)));
      gpu.write(grad, g);
      const lr = lr0 * 0.5 * (1 + Math.cos((Math.PI * t) / T));
      const sv = { lr, bc1: 1 - b1 ** (t + 1), bc2: 1 - b2 ** (t + 1) };
      // the other slot's lr is a decoy: using it would blow the comparison
      writeStep(gpu, step, { iter: t, seed: 0, beta: 0, lambda: 0, lrV: o.slot === 'v' ? lr : 99, lrS: o.slot === 's' ? lr : 99, bc1: sv.bc1, bc2: sv.bc2 });
      await gpu.run([adam(gpu, param, grad, m, v, n, o, step)]);
      adamRef(pRef, g, mRef, vRef, n, o, sv);
      for (let k = 0; k < n; k++) mAbs[k] = b1 * mAbs[k] + (1 - b1) * Math.abs(g[k]);
    }
    const got = await gpu.read(param, n * stride);
    expectClose(got, pRef, { rtol: 1e-5, atol: 1e-6 * Math.max(lr0, Math.abs(hi)) }, `param, seed ${seed}`);
    const mGot = await gpu.read(m, n);
    for (let k = 0; k < n; k++) expect(Math.abs(mGot[k] - mRef[k]), `m[${k}] ${mGot[k]} vs ${mRef[k]}, seed ${seed}`).toBeLessThanOrEqual(1e-6 * mAbs[k]);
    expectClose(await gpu.read(v, n), vRef, { rtol: 1e-5, atol: 1e-20 }, `v, seed ${seed}`);
    if (stride === 2) {
      for (let k = 0; k < n; k++) expect(got[2 * k + 1], `seed ${seed}: z of pair ${k} untouched`).toBe(init[2 * k + 1]);
      const clamped = Array.from({ length: n }, (_, k) => got[2 * k]).filter((s) => s === Math.fround(5e-3)).length;
      expect(clamped, `seed ${seed}: some step sizes clamped to eps`).toBeGreaterThan(0);
      expect(Math.min(...Array.from({ length: n }, (_, k) => got[2 * k])), `seed ${seed}: positive`).toBeGreaterThanOrEqual(Math.fround(5e-3));
    }
  });
});
