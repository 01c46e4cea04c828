// QuantizeLinear to float8/float4 (shaders/lib/minifloat.wgsl) vs the float64 reference on fresh random
// inputs, for every format with saturate on and off: rounding ties and their float32 neighbours, the
// formats' subnormals, values at and beyond the largest one, ±∞, NaN, ±0, also with the quotient moved
// by a few ulps. Exact: the same float32 bits (the sign of zero included), any NaN for NaN. DequantizeLinear of every code, exact too. The
// reference itself against hand-computed values and against the formats' code tables.
import { describe, expect, it } from 'vitest';
import { dequantizeLinear, quantizeLinearFloat } from './qdq-linear';
import { dequantizeLinearRef, paramIndex, qdqLayout } from '../../ref/qdq-linear';
import { quantizeMiniFloatRef, roundE2M1, roundE4M3FN, roundE4M3FNUZ, roundE5M2, roundE5M2FNUZ, roundToMiniFloat } from '../../ref/minifloat';
import { MINIFLOATS, miniFloatCode, miniFloatValue, type MiniFloat } from '../../onnx/minifloat';
import { freshSeed, rng, testGpu } from '../../test/helpers';

const FORMATS = Object.values(MINIFLOATS);
const bitsOf = (v: number): number => new Uint32Array(Float32Array.of(v).buffer)[0];

/** The first element whose float32 bits differ (NaN matching any NaN), or −1. */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): number {
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) ? !Number.isNaN(got[i]) : bitsOf(got[i]) !== bitsOf(want[i])) return i;
  }
  return -1;
}

/** Quotients x / s that probe format f: ties, subnormals, the largest value and beyond, specials. */
function quotients(f: MiniFloat, r: () => number, n: number): number[] {
  const emin = 1 - f.bias;
  const ulpAt = (e: number) => 2 ** (Math.max(e, emin) - f.man);
  const eTop = Math.floor(Math.log2(f.max));
  const out: number[] = [NaN, Infinity, -Infinity, 0, -0, f.max, -f.max, f.max + ulpAt(eTop) / 2, -(f.max + ulpAt(eTop) / 2)];
  while (out.length < n) {
    const e = emin - 3 + Math.floor(r() * (eTop - emin + 6)); // subnormals to beyond the largest binade
    const sign = r() < 0.5 ? -1 : 1;
    const k = Math.floor(r() * 2 ** (f.man + 1));
    const base = e < emin ? k * ulpAt(emin) : (2 ** f.man + (k % 2 ** f.man)) * ulpAt(e);
    const kind = r();
    if (kind < 0.4) out.push(sign * (base + ulpAt(e) / 2)); // a tie (or a subnormal one)
    else if (kind < 0.6) out.push(sign * base); // a value of the format
    else out.push(sign * 2 ** (e + r())); // anywhere in the binade
  }
  return out;
}

describe('QuantizeLinear to float8/float4: reference', () => {
  it('matches hand-computed values', () => {
    expect([roundE4M3FN(1e6), roundE4M3FNUZ(1e6), roundE5M2(1e6), roundE5M2FNUZ(1e6), roundE2M1(1e6)]).toEqual([448, 240, 57344, 57344, 6]);
    expect([roundE4M3FN(-Infinity), roundE5M2(Infinity), roundE2M1(-Infinity)]).toEqual([-448, 57344, -6]);
    // smallest subnormals, and half of them (a tie: to even, 0)
    expect([roundE4M3FN(2 ** -9), roundE4M3FNUZ(2 ** -10), roundE5M2(2 ** -16), roundE5M2FNUZ(2 ** -17), roundE2M1(0.5)]).toEqual([2 ** -9, 2 ** -10, 2 ** -16, 2 ** -17, 0.5]);
    expect([roundE4M3FN(2 ** -10), roundE4M3FN(2 ** -10 * 1.01), roundE4M3FN(3 * 2 ** -10), roundE2M1(0.25), roundE2M1(0.75)]).toEqual([0, 2 ** -9, 2 ** -8, 0, 1]);
    // ties between normals go to the even mantissa
    expect([roundE4M3FN(1.0625), roundE4M3FN(1.1875), roundE5M2(1.125), roundE5M2(1.375), roundE2M1(1.25), roundE2M1(5), roundE2M1(3.5)]).toEqual([1, 1.25, 1, 1.5, 1, 4, 4]);
    // without saturation: 464 is a tie that stays 448, beyond it e4m3fn has NaN; e5m2 overflows to ∞ at 61440
    expect([roundE4M3FN(464, false), roundE4M3FN(465, false), roundE4M3FN(Infinity, false)]).toEqual([448, NaN, NaN]);
    expect([roundE5M2(61439, false), roundE5M2(61440, false), roundE5M2(-Infinity, false)]).toEqual([57344, Infinity, -Infinity]);
    expect([roundE4M3FNUZ(247, false), roundE4M3FNUZ(248, false), roundE5M2FNUZ(61440, false)]).toEqual([240, NaN, NaN]);
    // signed zeros: fnuz formats have none
    expect([roundE4M3FN(-0), roundE5M2(-1e-9), roundE2M1(-0.1)].map((v) => Object.is(v, -0))).toEqual([true, true, true]);
    expect([roundE4M3FNUZ(-0), roundE5M2FNUZ(-1e-9)].map((v) => Object.is(v, 0))).toEqual([true, true]);
    expect(roundE4M3FN(NaN)).toBeNaN();
  });

  it.each(FORMATS.map((f) => [f.name, f] as const))('%s: its values are the codes, its max the largest code', (_name, f) => {
    const values = Array.from({ length: 2 ** (1 + f.exp + f.man) }, (_, c) => miniFloatValue(c, f));
    expect(Math.max(...values.filter(Number.isFinite))).toBe(f.max);
    values.forEach((v, c) => {
      if (Number.isNaN(v)) return;
      expect(Object.is(roundToMiniFloat(v, f, false), v), `${f.name} code ${c} = ${v}`).toBe(true);
      expect(miniFloatCode(v, f), `${f.name} value ${v}`).toBe(c);
    });
    expect(() => miniFloatCode(f.max * 0.99, f)).toThrow(/is not a/);
  });
});

/** Quantize fresh probes of f on the GPU (per axis, 4 scales: one negative, one a power of two) and compare. */
async function checkKernel(f: MiniFloat, saturate: boolean, qdivUlps: number, seed: number): Promise<void> {
  const gpu = await testGpu();
  const r = rng(seed);
  const shape = [3, 4, 50];
  const l = qdqLayout(shape, [4], 1, 0);
  const scales = [Math.fround(2 ** (r() * 8 - 4) * (1 + r())), 0.25, -Math.fround(1 + r()), Math.fround(2 ** (r() * 4 - 2) * (1 + r()))];
  const n = 600;
  const q = quotients(f, r, n);
  const bits = new Int32Array(1);
  const f32 = new Float32Array(bits.buffer);
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    f32[0] = q[i] * scales[paramIndex(l, i)];
    if (Number.isFinite(f32[0]) && f32[0] !== 0 && i % 3 === 1) bits[0] += Math.floor(r() * 5) - 2; // its float32 neighbours
    xs[i] = f32[0];
  }
  const x = gpu.tensor('x', shape, xs);
  const s = gpu.tensor('s', [4], Float32Array.from(scales));
  const y = gpu.tensor('y', shape);
  await gpu.run([quantizeLinearFloat(gpu, x, s, y, l, f, { saturate, qdivUlps })]);
  const got = await gpu.read(y);
  const want = quantizeMiniFloatRef(xs, scales, l, f, saturate);
  const bad = firstMismatch(got, want);
  const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));
  expect(bad, bad < 0 ? '' : `${f.name} saturate ${saturate} quotient ${qdivUlps} ulps seed ${seed}: element ${bad}, x ${xs[bad]} / s ${scales[paramIndex(l, bad)]} gave ${show(got[bad])}, reference ${show(want[bad])}`).toBe(-1);
}

describe('QuantizeLinear to float8/float4: kernel vs reference, exact', () => {
  it.each(FORMATS.flatMap((f) => [[f.name, true, f], [f.name, false, f]] as const))('%s, saturate %s', async (_name, saturate, f) => {
    const gpu = await testGpu();
    const before = gpu.pipelineCount;
    await checkKernel(f, saturate, 0, freshSeed());
    expect(gpu.pipelineCount - before, 'the integer codes\' pipeline serves every format').toBeLessThanOrEqual(1);
  });

  // Where the adapter divides exactly, the near-ties' exact settling runs only when the quotient is moved.
  it.each([-3, -2, -1, 1, 2, 3])('every format, the quotient moved by %i ulps (a division within WGSL\'s 2.5 ulp)', async (ulps) => {
    const seed = freshSeed();
    for (const f of FORMATS) for (const saturate of [true, false]) await checkKernel(f, saturate, ulps, seed);
  });

  it.each(FORMATS.map((f) => [f.name, f] as const))('DequantizeLinear of every %s code', async (_name, f) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const codes = Float32Array.from({ length: 2 ** (1 + f.exp + f.man) }, (_, c) => miniFloatValue(c, f));
    const scale = [Math.fround(2 ** (r() * 8 - 4) * (1 + r()))];
    const x = gpu.tensor('x', [codes.length], codes);
    const y = gpu.tensor('y', [codes.length]);
    await gpu.run([dequantizeLinear(gpu, x, gpu.tensor('s', [1], Float32Array.from(scale)), gpu.tensor('z', [1]), y, { mode: 'tensor' })]);
    const got = await gpu.read(y);
    const want = dequantizeLinearRef(codes, scale, undefined, { mode: 'tensor' });
    const bad = firstMismatch(got, want);
    expect(bad, bad < 0 ? '' : `${f.name} seed ${seed}: code ${bad} (${codes[bad]}) × ${scale[0]} gave ${got[bad]}, reference ${want[bad]}`).toBe(-1);
  });
});
