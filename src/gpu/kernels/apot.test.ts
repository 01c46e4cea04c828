// APoT: the level sets against a line-by-line transcription of the official build_power_value, and
// the WGSL projection (apot-project.wgsl) and MSE scores (apot-mse.wgsl) against the float64
// reference (src/ref/apot.ts) on fresh random weights, with the tolerances stated below.
import { describe, expect, it } from 'vitest';
import { apotLevelBuffers, apotMse, apotProject, readCodes } from './apot';
import { channelLayout } from './adaround';
import { apotCodeRef, apotLevelCodes, apotLevels, apotMidpoints, apotScoreRef, apotWeightCodes } from '../../ref/apot';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

/** build_power_value(B, additive=True) of yhhhli/APoT_Quantization quant_layer.py, transcribed. */
function buildPowerValue(B: number): number[] {
  const [a, b, c] = [[0], [0], [0]];
  for (let i = 0; i < 3; i++) {
    if (B === 2) a.push(2 ** (-i - 1));
    if (B === 4) a.push(2 ** (-2 * i - 1));
    if (B === 4) b.push(2 ** (-2 * i - 2));
    if (B === 6) a.push(2 ** (-3 * i - 1));
    if (B === 6) b.push(2 ** (-3 * i - 2));
    if (B === 6) c.push(2 ** (-3 * i - 3));
    if (B === 3 && i < 2) a.push(2 ** (-i - 1));
    if (B === 3 && i >= 2) b.push(2 ** (-i - 1));
    if (B === 3 && i >= 2) a.push(2 ** (-i - 2));
    if (B === 5 && i < 2) a.push(2 ** (-2 * i - 1));
    if (B === 5 && i < 2) b.push(2 ** (-2 * i - 2));
    if (B === 5 && i >= 2) c.push(2 ** (-2 * i - 1));
    if (B === 5 && i >= 2) a.push(2 ** (-2 * i - 2));
    if (B === 5 && i >= 2) b.push(2 ** (-2 * i - 3));
  }
  const values = [...new Set(a.flatMap((x) => b.flatMap((y) => c.map((z) => x + y + z))))];
  const max = Math.max(...values);
  return values.map((v) => v / max).sort((x, y) => x - y);
}

describe('APoT level sets', () => {
  it('equal build_power_value(B) for B = 2..6, with integer codes and their max code', () => {
    const max: Record<number, number> = { 2: 4, 3: 10, 4: 48, 5: 100, 6: 448 };
    for (let B = 2; B <= 6; B++) {
      const codes = apotLevelCodes(B);
      expect([...apotLevels(B)], `B = ${B}`).toEqual(buildPowerValue(B));
      expect(codes.length, `B = ${B}: 2^B levels`).toBe(2 ** B);
      expect(codes[codes.length - 1], `B = ${B}: max code`).toBe(max[B]);
      for (const [k, c] of codes.entries()) expect(c / max[B], `B = ${B} level ${k}`).toBe(apotLevels(B)[k]);
    }
    expect([...apotWeightCodes(3)]).toEqual([0, 1, 2, 4]);
    expect([...apotWeightCodes(4)]).toEqual([0, 1, 2, 3, 4, 6, 8, 10]); // the 4-bit example, scale α/10
    expect([...apotWeightCodes(5)]).toEqual([0, 1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 33, 36, 48]);
    expect(() => apotWeightCodes(2)).toThrow(/3\.\.7/);
    expect(() => apotWeightCodes(8)).toThrow(/3\.\.7/);
  });
});

/** Weights with some values exactly on levels, on midpoints, beyond the clamp and at 0. */
function weights(n: number, r: () => number, scales: number[], inner: number, levels: Int32Array): Float32Array {
  const w = randArray(n, r, -1, 1);
  const m = levels[levels.length - 1];
  for (let i = 0; i < n; i++) {
    const s = scales[Math.floor(i / inner) % scales.length];
    const k = Math.floor(r() * (levels.length - 1));
    const sign = r() < 0.5 ? -1 : 1;
    const pick = r();
    if (pick < 0.05) w[i] = Math.fround(sign * levels[k] * s);
    else if (pick < 0.1) w[i] = Math.fround((sign * (levels[k] + levels[k + 1]) * s) / 2);
    else if (pick < 0.13) w[i] = Math.fround(sign * m * s * (1 + r()));
    else if (pick < 0.15) w[i] = 0;
  }
  return w;
}

/** |x|/s within 4 float32 ulps of a midpoint: GPU division (2.5 ulp in WGSL) may round to either level. */
function nearMid(x: number, s: number, mids: Float32Array): boolean {
  const v = Math.abs(x) / s;
  return mids.some((m) => Math.abs(v - m) <= 4 * 2 ** -23 * Math.max(v, 1e-30));
}

describe('apot-project.wgsl vs float64 reference', () => {
  it.each([
    ['conv [16,8,3,3], axis 0, 4-bit', [16, 8, 3, 3], 0, 4],
    ['gemm [24,40], axis 1, 3-bit', [24, 40], 1, 3],
    ['per tensor [300], 5-bit', [300], -1, 5],
    ['conv [32,16,3,3], axis 0, 6-bit', [32, 16, 3, 3], 0, 6],
    ['conv [8,4,3,3], axis 0, 7-bit', [8, 4, 3, 3], 0, 7],
  ] as const)('%s', async (_name, shape, axis, bits) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const levels = apotWeightCodes(bits);
    const { n, inner, channels } = channelLayout(shape, axis);
    const scales = Array.from({ length: channels }, () => Math.fround((0.2 + r()) / levels[levels.length - 1]));
    const w = weights(n, r, scales, inner, levels);
    const lv = apotLevelBuffers(gpu, levels);
    const codes = gpu.buffer('codes', n * 4);
    await gpu.run([apotProject(gpu, gpu.tensor('w', [...shape], w), gpu.tensor('s', [channels], Float32Array.from(scales)).buffer, lv, codes, axis)]);
    const got = await readCodes(gpu, codes, n);
    const mids = apotMidpoints(levels);
    const set = new Set(levels);
    let ties = 0;
    for (let i = 0; i < n; i++) {
      const s = scales[Math.floor(i / inner) % channels];
      expect(set.has(Math.abs(got[i])), `seed ${seed}: code ${got[i]} at ${i} in the level set`).toBe(true);
      const want = apotCodeRef(w[i], s, levels);
      if (got[i] === want) continue;
      expect(nearMid(w[i], s, mids), `seed ${seed}: element ${i} (w ${w[i]}, s ${s}) got ${got[i]}, reference ${want}`).toBe(true);
      ties++;
    }
    // only values placed on a midpoint may round either way
    expect(ties, `seed ${seed}: codes off the reference`).toBeLessThanOrEqual(Math.ceil(0.05 * n));
  });
});

describe('apot-mse.wgsl vs float64 reference', () => {
  it.each([
    ['16 rows × 72, 4-bit', 16, 72, 4],
    ['5 rows × 1000 (chunked sums), 3-bit', 5, 1000, 3],
    ['3 rows × 4608, 6-bit', 3, 4608, 6],
  ] as const)('%s', async (_name, rows, cols, bits) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const steps = 100;
    const levels = apotWeightCodes(bits);
    const m = levels[levels.length - 1];
    // bell-shaped rows (as weights are) with a heavy tail
    const w = Float32Array.from({ length: rows * cols }, () => (r() + r() + r() - 1.5) * (r() < 0.02 ? 5 : 1) * 0.1);
    const scales = new Float32Array(rows * steps);
    for (let row = 0; row < rows; row++) {
      const amax = w.subarray(row * cols, (row + 1) * cols).reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      for (let k = 0; k < steps; k++) scales[row * steps + k] = Math.fround((amax * (k + 1)) / steps / m);
    }
    const out = gpu.buffer('scores', rows * steps * 4);
    const lv = apotLevelBuffers(gpu, levels);
    await gpu.run([apotMse(gpu, gpu.tensor('w', [rows, cols], w), gpu.tensor('s', [rows * steps], scales).buffer, steps, lv, out)]);
    const got = await gpu.read(out, rows * steps);
    const want = Float64Array.from({ length: rows * steps }, (_, t) => apotScoreRef(w.subarray(Math.floor(t / steps) * cols, (Math.floor(t / steps) + 1) * cols), scales[t], levels));
    // float32 terms (pow, the product code·s) and float32 sums of ≤ 256 terms per chunk; a code off by a
    // midpoint tie changes nothing (both levels are equally far)
    const tiny = Math.max(...want) * 1e-6;
    expectClose(got, want, { rtol: 2e-4, atol: tiny }, `scores, seed ${seed}`);
  });
});
