// Test helpers shared by adaround.test.ts and adaround-levels.test.ts: V away from the kinks of h, the
// forward and backward run on the GPU (the levels variant when a gap is given), and the float64
// reference backward checked against central differences of its forward.
import { expect } from 'vitest';
import { adaroundBackward, adaroundParams, adaroundRegPartials, adaroundSoft, type AdaroundWeight } from './adaround';
import { reduceSum } from './reduce-sum';
import { stepBuffer, writeStep } from './step';
import { type Gpu } from '../gpu';
import { expectClose, randArray, type Tolerance } from '../../test/helpers';

const KINK = Math.log(11); // h(±log 11) = 1 or 0: the clamp of h

/** V in [−6, 6] (some saturated), away from the kinks of h and from V = 0, where hard rounding flips. */
export function randV(n: number, r: () => number): Float32Array {
  const v = randArray(n, r, -6, 6);
  for (let i = 0; i < n; i++) while (Math.abs(Math.abs(v[i]) - KINK) < 1e-3 || Math.abs(v[i]) < 1e-3) v[i] = Math.fround(-6 + 12 * r());
  return v;
}

/** The soft and the hard rounded weight from the GPU (wFloor is lo in the levels variant). */
export async function softOnGpu(gpu: Gpu, shape: number[], wFloor: Float32Array, v: Float32Array, p: AdaroundWeight, gap?: Float32Array): Promise<{ soft: Float32Array; hard: Float32Array }> {
  const wf = gpu.tensor('wFloor', shape, wFloor).buffer;
  const vt = gpu.tensor('v', shape, v);
  const params = adaroundParams(gpu, p);
  const soft = gpu.tensor('soft', shape);
  const hard = gpu.tensor('hard', shape);
  const o = { ...p.range, axis: p.axis, gap: gap && gpu.tensor('gap', shape, gap).buffer };
  await gpu.run([adaroundSoft(gpu, wf, vt, params, soft, o), adaroundSoft(gpu, wf, vt, params, hard, { ...o, hard: true })]);
  return { soft: await gpu.read(soft), hard: await gpu.read(hard) };
}

export interface BackwardCase {
  dW: Float32Array;
  wFloor: Float32Array;
  v: Float32Array;
  gap?: Float32Array;
  p: AdaroundWeight;
  iter: number;
  beta: number;
  lambda: number;
}

/**
 * adaroundBackward on the GPU against the reference (dV within `tol`; the regulariser, summed from the
 * partials into slot 1 of a two-slot buffer, within float32 summation error; slot 0 untouched).
 */
export async function expectBackward(gpu: Gpu, shape: number[], c: BackwardCase, want: { dV: ArrayLike<number>; reg: number }, tol: Tolerance, seed: number): Promise<void> {
  const n = c.v.length;
  const step = stepBuffer(gpu);
  writeStep(gpu, step, { iter: c.iter, seed: 1, beta: c.beta, lambda: c.lambda, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });
  const dV = gpu.tensor('dV', shape);
  const slots = adaroundRegPartials(n);
  const partials = gpu.buffer('partials', slots * 4);
  const reg = gpu.tensor('reg', [2], new Float32Array([0, 5])).buffer;
  const o = { ...c.p.range, axis: c.p.axis, gap: c.gap && gpu.tensor('gap', shape, c.gap).buffer };
  await gpu.run([
    ...adaroundBackward(gpu, gpu.tensor('dW', shape, c.dW), gpu.tensor('wFloor', shape, c.wFloor).buffer, gpu.tensor('v', shape, c.v), adaroundParams(gpu, c.p), dV, partials, o, step),
    reduceSum(gpu, partials, slots, reg, 1, 'add'),
  ]);
  expectClose(await gpu.read(dV), want.dV, tol, `dV, seed ${seed}`);
  const got = await gpu.read(reg, 2);
  expect(Math.abs(got[1] - 5 - want.reg), `reg ${got[1] - 5} vs ${want.reg}, seed ${seed}`).toBeLessThanOrEqual(1e-5 * c.lambda * n + 1e-6);
  expect(got[0], `seed ${seed}: other slot untouched`).toBe(0);
}

/** (β, λ) of the central-difference checks. */
export const FD_CASES: [number, number][] = [
  [7.3, 0.01],
  [2, 0.1],
  [20, 0.05],
];

/** The reference dV against central differences of the float64 loss, with some elements saturated and many active. */
export function expectCentralDiffs(loss: (v: ArrayLike<number>) => number, v: Float32Array, dV: Float64Array, seed: number): void {
  const v64 = Float64Array.from(v);
  const h = 1e-6;
  const fd = Float64Array.from({ length: v.length }, (_, i) => {
    const [vp, vm] = [v64.slice(), v64.slice()];
    vp[i] += h;
    vm[i] -= h;
    return (loss(vp) - loss(vm)) / (2 * h);
  });
  expectClose(fd, dV, { rtol: 1e-5, atol: 1e-6 }, `dV, seed ${seed}`);
  expect(dV.filter((d) => d === 0).length, `seed ${seed}: saturated`).toBeGreaterThan(0);
  expect(dV.filter((d) => d !== 0).length, `seed ${seed}: active`).toBeGreaterThan(v.length / 4);
}
