import { describe, expect, it } from 'vitest';
import { lsqBackward, lsqForward, lsqGradScale, lsqPartialSlots, lsqState } from './lsq-quant';
import { lsqBackwardRef, lsqForwardRef, lsqMaskRef, lsqSurrogateRef, type LsqRefOptions } from '../../ref/lsq-quant';
import { STREAM, stepBuffer, writeStep } from './step';
import { qrange } from '../../ref/round';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';
import type { Gpu } from '../gpu';

const step0 = { beta: 0, lambda: 0, lrV: 0, lrS: 0, bc1: 1, bc2: 1 };

/** Random test setup: a quantizer whose range covers part of x (so every clamp region occurs). */
function setup(seed: number, n: number, bits: number, signed: boolean, p: number, avoidTies: boolean) {
  const r = rng(seed);
  const range = qrange(bits, signed);
  const s = Math.fround(0.02 + r() * 0.3);
  const z = signed ? 0 : Math.floor(r() * (range.qmax + 1));
  const lo = (range.qmin - z - 3) * s;
  const hi = (range.qmax - z + 3) * s;
  const xs = randArray(n, r, lo, hi);
  // away from rounding ties, where an ulp of x/s on the GPU may round the other way
  if (avoidTies) for (let i = 0; i < n; i++) while (Math.abs(Math.abs(Math.fround(xs[i] / s) % 1) - 0.5) < 1e-3) xs[i] = Math.fround(lo + (hi - lo) * r());
  const o: LsqRefOptions = { s, z, qmin: range.qmin, qmax: range.qmax, p, stream: STREAM.dropBase + Math.floor(r() * 4), seed: Math.floor(r() * 2 ** 32), iter: Math.floor(r() * 20000) };
  return { r, o, xs };
}

function stepFor(gpu: Gpu, o: LsqRefOptions): GPUBuffer {
  const step = stepBuffer(gpu);
  writeStep(gpu, step, { ...step0, iter: o.iter!, seed: o.seed! });
  return step;
}

describe('lsq-quant forward vs float64 reference', () => {
  it.each([
    ['8-bit unsigned, p = 1', 8, false, 1],
    ['4-bit signed, QDrop p = 0.5', 4, true, 0.5],
    ['2-bit unsigned, p = 0.3', 2, false, 0.3],
    ['3-bit unsigned, p = 0 (never quantized)', 3, false, 0],
  ] as const)('%s', async (_name, bits, signed, p) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const n = 3000 + Math.floor(rng(seed)() * 3000);
    const { r, o, xs } = setup(seed, n, bits, signed, p, false);
    // plant exact ties: multiples of s/2
    for (let i = 0; i < n; i += 11) xs[i] = Math.fround(o.s * (Math.floor(r() * 40) - 20 + 0.5));
    const x = gpu.tensor('x', [n], xs);
    const y = gpu.tensor('y', [n]);
    await gpu.run([lsqForward(gpu, x, y, lsqState(gpu, o.s, o.z), { qmin: o.qmin, qmax: o.qmax, p, stream: o.stream }, stepFor(gpu, o))]);
    const got = await gpu.read(y);
    const want = lsqForwardRef(xs, o);
    const mask = lsqMaskRef(n, o);
    if (p > 0 && p < 1) {
      const kept = mask.reduce((a, b) => a + b, 0) / n;
      expect(Math.abs(kept - p), `seed ${seed}: quantized fraction ${kept}`).toBeLessThan(0.05);
    }
    let off = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) expect(got[i], `seed ${seed}: dropped element ${i} passes through`).toBe(xs[i]);
      else if (got[i] !== want[i]) {
        off++;
        expect(Math.abs(got[i] - want[i]), `seed ${seed} element ${i}`).toBeLessThanOrEqual(o.s * 1.0001);
      }
    }
    // x/s on the GPU may differ from float32 division by an ulp (WGSL allows 2.5), moving a planted tie
    expect(off, `seed ${seed}: ${off} of ${n} elements differ by one step`).toBeLessThanOrEqual(Math.ceil(n * 0.01));
  });

  it('runs without a step buffer when p = 1', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const { o, xs } = setup(seed, 777, 4, false, 1, true);
    const x = gpu.tensor('x', [777], xs);
    const y = gpu.tensor('y', [777]);
    await gpu.run([lsqForward(gpu, x, y, lsqState(gpu, o.s, o.z), { qmin: o.qmin, qmax: o.qmax })]);
    expectClose(await gpu.read(y), lsqForwardRef(xs, o), { rtol: 0, atol: 0 }, `seed ${seed}`);
    expect(() => lsqForward(gpu, x, y, lsqState(gpu, o.s, o.z), { qmin: o.qmin, qmax: o.qmax, p: 0.5 })).toThrow(/step/);
  });
});

describe('lsq-quant backward vs float64 reference', () => {
  it.each([
    ['8-bit unsigned, p = 1', 8, false, 1, 5000, true, 0],
    ['4-bit signed, QDrop p = 0.5, second slot', 4, true, 0.5, 6000, true, 1],
    ['2-bit unsigned, p = 0.5, no dx', 2, false, 0.5, 4000, false, 0],
    ['4-bit unsigned, p = 0.5, 300k elements (grid stride)', 4, false, 0.5, 300_000, true, 0],
  ] as const)('%s', async (_name, bits, signed, p, n, withDx, slot) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const { r, o, xs } = setup(seed, n, bits, signed, p, true);
    const dys = randArray(n, r, -1, 1);
    const x = gpu.tensor('x', [n], xs);
    const dy = gpu.tensor('dy', [n], dys);
    const dx = withDx ? gpu.tensor('dx', [n]) : null;
    // slot 1 reads the second [s, z] pair and writes grad[1]
    const sz = lsqState(gpu, slot ? [1.5, o.s] : [o.s], slot ? [3, o.z] : [o.z]);
    const grad = gpu.tensor('grad', [2], new Float32Array([7, 7])).buffer;
    // a caller's partials buffer, or one allocated by the wrapper
    const partials = withDx ? gpu.buffer('partials', lsqPartialSlots(n) * 4) : undefined;
    await gpu.run(lsqBackward(gpu, x, dy, dx, sz, grad, { qmin: o.qmin, qmax: o.qmax, p, stream: o.stream, slot, partials }, stepFor(gpu, o)));
    const g = lsqGradScale(n, o.qmax);
    const want = lsqBackwardRef(xs, dys, o, g);
    if (dx) expectClose(await gpu.read(dx), want.dx, { rtol: 0, atol: 0 }, `dx, seed ${seed}`);
    const got = await gpu.read(grad, 2);
    expect(got[1 - slot], `seed ${seed}: other slot untouched`).toBe(7);
    // float32 accumulation of the terms: error relative to their absolute sum
    expect(Math.abs(got[slot] - want.ds), `ds ${got[slot]} vs ${want.ds}, seed ${seed}`).toBeLessThanOrEqual(1e-5 * want.dsAbs + 1e-12);
  });
});

describe('lsq reference backward vs central differences of the straight-through forward', () => {
  it('dx and ds', () => {
    const seed = freshSeed();
    const n = 300;
    const { r, o, xs } = setup(seed, n, 3, false, 0.5, true);
    const dys = randArray(n, r, -1, 1);
    const x0 = Float64Array.from(xs);
    const g = lsqGradScale(n, o.qmax);
    const want = lsqBackwardRef(xs, dys, o, g);
    const loss = (x: ArrayLike<number>, s: number) => lsqSurrogateRef(x, s, x0, o).reduce((a, y, i) => a + dys[i] * y, 0);
    // the surrogate matches the forward at the anchor
    expectClose(lsqSurrogateRef(x0, o.s, x0, o), lsqForwardRef(xs, o), { rtol: 1e-6, atol: 1e-6 }, `surrogate, seed ${seed}`);
    const h = 1e-4 * o.s;
    const fdS = (loss(x0, o.s + h) - loss(x0, o.s - h)) / (2 * h);
    expect(Math.abs(g * fdS - want.ds), `ds, seed ${seed}`).toBeLessThanOrEqual(1e-6 * want.dsAbs + 1e-9);
    const fdX = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const xp = x0.slice();
      const xm = x0.slice();
      xp[i] += h;
      xm[i] -= h;
      fdX[i] = (loss(xp, o.s) - loss(xm, o.s)) / (2 * h);
    }
    expectClose(fdX, want.dx, { rtol: 1e-6, atol: 1e-6 }, `dx, seed ${seed}`);
    // true forward, away from rounding steps: flat where clamped, identity where dropped
    const mask = lsqMaskRef(n, o);
    for (let i = 0; i < n; i++) {
      const q = Math.round(x0[i] / o.s) + o.z;
      if (mask[i] && q >= o.qmin && q <= o.qmax) continue;
      const e = 1e-4 * o.s;
      const xp = Float32Array.from(xs);
      const xm = Float32Array.from(xs);
      xp[i] += e;
      xm[i] -= e;
      const d = (lsqForwardRef(xp, o)[i] - lsqForwardRef(xm, o)[i]) / (xp[i] - xm[i]);
      expect(Math.abs(d - want.dx[i] / (dys[i] || 1)), `true forward slope at ${i}, seed ${seed}`).toBeLessThan(1e-6);
    }
  });
});
