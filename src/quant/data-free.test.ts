// Data-free activation ranges (SQuant's noise pass): α per bit width, the α·σ range of a tensor
// (positive values' σ, or all values' σ / 1.25 when it goes negative; capped at the max below 6
// bits), the last layer's 8-bit input, and a whole ResNet-20 pass (fresh seed for the noise).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { resnet20 } from '../data/test-paths';
import { freshSeed, randArray, rng, testGpu } from '../test/helpers';
import { calibrateDataFree, lastInput8bit, NoiseStats, squantAlpha } from './data-free';
import { layerName, place, weightedLayers } from './placement';
import { DEFAULT_CONFIG } from './types';

/** torch's x.std() (n − 1), two-pass. */
function std(x: number[]): number {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1));
}

describe('data-free ranges', () => {
  it('uses the official α: 12 / 14 / 25 at 4 / 6 / 8 bits', () => {
    expect([2, 3, 4, 5, 6, 7, 8].map(squantAlpha)).toEqual([12, 12, 12, 13, 14, 19.5, 25]);
  });

  it('α·σ of the positive values, or of all values / 1.25 for a signed tensor; capped at the max below 6 bits', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const relu = Array.from(randArray(5000, r, -1, 3), (v) => Math.max(v, 0));
    const s = new NoiseStats();
    s.add(relu.slice(0, 2000));
    s.add(relu.slice(2000));
    const sigma = std(relu.filter((v) => v > 0));
    const max = Math.max(...relu);
    const [lo8, hi8] = s.range(25, 8);
    expect(lo8).toBe(0);
    expect(hi8, `seed ${seed}`).toBeCloseTo(25 * sigma, 9);
    expect(s.range(12, 4)[1], `seed ${seed}`).toBe(Math.min(12 * sigma, max));
    expect(s.range(0.5, 4)[1], `seed ${seed}`).toBeCloseTo(0.5 * sigma, 9);
    const signed = Array.from(randArray(3000, r, -2, 1));
    const t = new NoiseStats();
    t.add(signed);
    const [lo, hi] = t.range(14, 6);
    expect(hi, `seed ${seed}`).toBeCloseTo((14 * std(signed)) / 1.25, 9);
    expect(lo).toBe(-hi);
  });
});

describe.skipIf(!existsSync(resnet20))('data-free calibration of ResNet-20', () => {
  it('keeps the last layer input 8-bit, quantizes every placed tensor, and is deterministic per seed', async () => {
    const gpu = await testGpu();
    const session = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const config = lastInput8bit(session.graph, { ...DEFAULT_CONFIG, wBits: 4, aBits: 4, wObserver: 'minmax', firstLast8bit: false });
    const layers = weightedLayers(session.graph);
    expect(config.overrides[layerName(layers[layers.length - 1])]).toEqual({ aBits: 8 });
    expect(lastInput8bit(session.graph, { ...config, firstLast8bit: true, overrides: {} }).overrides).toEqual({});
    const seed = freshSeed();
    const a = await calibrateDataFree(session, config, { images: 8, seed });
    const sites = place(session.graph, config).acts;
    expect(a.acts.map((x) => x.tensor)).toEqual(sites.map((x) => x.tensor));
    expect(a.acts.map((x) => x.range.bits)).toEqual([...sites.slice(0, -1).map(() => 4), 8]);
    for (const x of a.acts) {
      expect(x.scale, `${x.tensor}, seed ${seed}`).toBeGreaterThan(1e-4);
      expect(x.zeroPoint, `${x.tensor}: after ReLU, unsigned from 0`).toBe(0);
    }
    const b = await calibrateDataFree(session, config, { images: 8, seed });
    expect(b.acts).toEqual(a.acts);
    expect(a.weights.every((w) => w.range.bits === 4)).toBe(true);
  }, 120_000);
});
