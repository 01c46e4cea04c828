// The counter RNG (shaders/lib/rng.wgsl): the GPU equals its CPU twin (src/ref/rng.ts) bit for bit,
// and the numbers pass simple statistics: mean, variance, uniform histogram and bits, no correlation
// between neighbouring indices or consecutive counters, different streams and seeds differ.
import { describe, expect, it } from 'vitest';
import { rngFill } from './rng-fill';
import { rand01 } from '../../ref/rng';
import { freshSeed, rng, testGpu } from '../../test/helpers';
import type { Gpu } from '../gpu';

async function fill(gpu: Gpu, n: number, seed: number, stream: number, counter: number): Promise<Float32Array> {
  const out = gpu.tensor('rng', [n]);
  await gpu.run([rngFill(gpu, out, seed, stream, counter)]);
  return gpu.read(out);
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const N = 1 << 16;
// Bounds at about 6σ for N samples: a correct generator fails one run in ~10⁸ per check.
const corrBound = 6 / Math.sqrt(N);

describe('counter RNG', () => {
  it('GPU equals the CPU twin bit for bit', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const u32 = () => Math.floor(r() * 2 ** 32);
    const args: [number, number, number][] = [
      [0, 0, 0],
      [0xffffffff, 0xffffffff, 0xffffffff],
      [u32(), 1, 0],
      [u32(), 2, u32()],
      [u32(), 16 + Math.floor(r() * 8), Math.floor(r() * 10000)],
      [u32(), u32(), u32()],
    ];
    for (const [s, stream, counter] of args) {
      const n = 4096 + Math.floor(r() * 4096);
      const got = await fill(gpu, n, s, stream, counter);
      for (let i = 0; i < n; i++) {
        const want = rand01(s, stream, counter, i);
        if (got[i] !== want) expect.fail(`rand01(${s}, ${stream}, ${counter}, ${i}) is ${got[i]} on the GPU, ${want} on the CPU (seed ${seed})`);
      }
    }
  });

  it('statistics', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const s = Math.floor(r() * 2 ** 32);
    const counter = Math.floor(r() * 1000);
    const what = `seed ${s} counter ${counter} (test seed ${seed})`;
    const a = await fill(gpu, N, s, 1, counter);
    let mean = 0;
    for (const v of a) mean += v;
    mean /= N;
    let variance = 0;
    for (const v of a) variance += (v - mean) ** 2;
    variance /= N;
    expect(Math.abs(mean - 0.5), `mean ${mean} ${what}`).toBeLessThan(6 * Math.sqrt(1 / 12 / N));
    // Var of the sample variance of U(0,1): (1/80 − 1/144)/N.
    expect(Math.abs(variance - 1 / 12), `variance ${variance} ${what}`).toBeLessThan(6 * Math.sqrt((1 / 80 - 1 / 144) / N));
    expect(Math.min(...a), what).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a), what).toBeLessThan(1);
    // 32-bin histogram: χ² with 31 degrees of freedom, P(χ² > 80) ≈ 3e-6.
    const bins = new Array<number>(32).fill(0);
    for (const v of a) bins[Math.floor(v * 32)]++;
    const e = N / 32;
    const chi2 = bins.reduce((acc, h) => acc + ((h - e) * (h - e)) / e, 0);
    expect(chi2, `histogram ${bins} ${what}`).toBeLessThan(80);
    // Every one of the 24 bits is set about half the time.
    for (let bit = 0; bit < 24; bit++) {
      let ones = 0;
      for (const v of a) ones += Math.floor(v * 2 ** 24) & (1 << bit) ? 1 : 0;
      expect(Math.abs(ones / N - 0.5), `bit ${bit} ${what}`).toBeLessThan(3 / Math.sqrt(N));
    }
    // Neighbouring indices, consecutive counters, other streams and seeds: uncorrelated.
    expect(Math.abs(corr(a.subarray(0, N - 1), a.subarray(1))), `index i vs i+1 ${what}`).toBeLessThan(corrBound);
    const next = await fill(gpu, N, s, 1, counter + 1);
    expect(Math.abs(corr(a, next)), `counter vs counter+1 ${what}`).toBeLessThan(corrBound);
    const other = await fill(gpu, N, s, 2, counter);
    expect(Math.abs(corr(a, other)), `stream 1 vs 2 ${what}`).toBeLessThan(corrBound);
    const reseeded = await fill(gpu, N, (s + 1) >>> 0, 1, counter);
    expect(Math.abs(corr(a, reseeded)), `seed vs seed+1 ${what}`).toBeLessThan(corrBound);
    // Distinct streams / counters / seeds give different sequences: equal values only by chance (~N/2²⁴).
    for (const [name, b] of [['stream', other], ['counter', next], ['seed', reseeded]] as const) {
      let same = 0;
      for (let i = 0; i < N; i++) same += a[i] === b[i] ? 1 : 0;
      expect(same, `${name} changes the sequence ${what}`).toBeLessThan(10);
    }
  });
});
