// Activation and weight observers on the GPU against the float64 end-to-end references, on fresh
// random data fed in several batches (the last one shorter, through the same buffer).
import { describe, expect, it } from 'vitest';
import { createActObserver, observeWeights, type ObservedRange, type ObserverOptions } from './index';
import { DEFAULT_BINS, DEFAULT_PERCENTILE, defaultQuantizedBins } from './row-observer';
import { qrange, type ObserverKind, type QRange } from '../types';
import { lpScoreRef, observerRef, type RefRange } from '../../ref/observers';
import type { Gpu } from '../../gpu/gpu';
import { freshSeed, rng, testGpu } from '../../test/helpers';

type Shape = 'mixed' | 'relu' | 'negative' | 'constant' | 'zeros';

/** Skewed data with a heavy tail (so clipping matters), or one of the degenerate cases. */
function sample(shape: Shape, n: number, r: () => number): Float32Array {
  const c = (r() - 0.5) * 8;
  const shift = (r() - 0.3) * 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const g = r() + r() + r() - 1.5 + shift;
    const v = r() < 0.002 ? g * 12 : g;
    out[i] = shape === 'mixed' ? v : shape === 'relu' ? Math.max(v, 0) : shape === 'negative' ? -Math.abs(v) : shape === 'constant' ? c : 0;
  }
  return out;
}

const refOpts = (range: QRange, o: ObserverOptions = {}) => ({
  percentile: o.percentile ?? DEFAULT_PERCENTILE,
  bins: o.bins ?? DEFAULT_BINS,
  quantizedBins: o.quantizedBins ?? defaultQuantizedBins(range),
});

/**
 * Scale within rtol 1e-4 and zero point equal; for MSE a different pick must score within 1e-5 of the
 * best in float64 (weights: the search rescores its shortlist exactly; activations: bins of 2^−16 of the
 * largest magnitude, far finer than these few thousand values need; mse-search.test.ts states the bound).
 */
function expectRange(got: ObservedRange, want: RefRange, kind: ObserverKind, xs: Float32Array, range: QRange, what: string): void {
  expect(got.scale, what).toBeGreaterThan(0);
  expect(Number.isInteger(got.zeroPoint) && got.zeroPoint >= range.qmin && got.zeroPoint <= range.qmax, what).toBe(true);
  if (kind === 'mse' && (got.scale !== want.scale || got.zeroPoint !== want.zeroPoint)) {
    const s = lpScoreRef(xs, got.scale, got.zeroPoint, range);
    expect(s, `${what}: picked (${got.scale}, ${got.zeroPoint}), reference (${want.scale}, ${want.zeroPoint})`).toBeLessThanOrEqual(want.score! * (1 + 1e-5) + 1e-30);
    return;
  }
  expect(Math.abs(got.scale - want.scale), `${what}: scale ${got.scale} vs ${want.scale}`).toBeLessThanOrEqual(1e-4 * want.scale);
  expect(got.zeroPoint, `${what}: zero point`).toBe(want.zeroPoint);
  expect(Math.abs(got.min - want.min), `${what}: min`).toBeLessThanOrEqual(1e-4 * Math.abs(want.min) + 1e-30);
  expect(Math.abs(got.max - want.max), `${what}: max`).toBeLessThanOrEqual(1e-4 * Math.abs(want.max) + 1e-30);
}

/** Run an activation observer over the batches as the calibration driver does: passes × batches, one buffer. */
async function observeAct(gpu: Gpu, kind: ObserverKind, range: QRange, batches: Float32Array[], opts?: ObserverOptions): Promise<ObservedRange> {
  const o = createActObserver(gpu, kind, range, opts);
  const buf = gpu.tensor('act', [Math.max(...batches.map((b) => b.length))]).buffer;
  try {
    for (let pass = 0; pass < o.passes; pass++) {
      for (const b of batches) {
        gpu.write(buf, b);
        const x = { buffer: buf, shape: [1, b.length] };
        const d = o.observe(pass, x);
        expect(o.observe(pass, x), 'records are cached').toBe(d);
        await gpu.run(d);
      }
      await o.endPass(pass);
    }
    return await o.result();
  } finally {
    o.destroy();
    buf.destroy();
  }
}

const KINDS: ObserverKind[] = ['minmax', 'mse', 'percentile', 'entropy'];
const RANGES: [string, QRange][] = [['u8', qrange(8, false)], ['s8', qrange(8, true)], ['u4', qrange(4, false)], ['s3', qrange(3, true)]];

describe('activation observers vs float64 reference', () => {
  const cases = KINDS.flatMap((k) => RANGES.flatMap(([name, range]) => (['mixed', 'relu'] as Shape[]).map((s) => [k, name, s, range] as const)));
  it.each(cases)('%s %s on %s data', async (kind, _name, shape, range) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    // the 2-D MSE search of an 8-bit grid scores 25600 candidates: keep its data small
    const n = kind === 'mse' ? (range.qmax - range.qmin > 100 && shape === 'mixed' && !range.signed ? 1200 : 5000) : 40000;
    const sizes = [0.4, 0.35, 0.25].map((f) => Math.round(f * n));
    const batches = sizes.map((m) => sample(shape, m, r));
    const all = Float32Array.from(batches.flatMap((b) => [...b]));
    const got = await observeAct(gpu, kind, range, batches);
    const [want] = observerRef(kind, all, 1, range, refOpts(range));
    expectRange(got, want, kind, all, range, `${kind} ${shape} seed ${seed}`);
  });

  it.each(KINDS.flatMap((k) => (['constant', 'zeros'] as Shape[]).flatMap((s) => [[k, s, qrange(8, false)] as const, [k, s, qrange(4, true)] as const])))(
    '%s on %s data',
    async (kind, shape, range) => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const r = rng(seed);
      const batches = [sample(shape, 700, r), sample(shape, 300, r)];
      batches[1].fill(batches[0][0]);
      const all = Float32Array.from([...batches[0], ...batches[1]]);
      const got = await observeAct(gpu, kind, range, batches);
      const [want] = observerRef(kind, all, 1, range, refOpts(range));
      expectRange(got, want, kind, all, range, `${kind} ${shape} (${all[0]}) seed ${seed}`);
      expect(Number.isFinite(got.scale) && got.scale >= 2 ** -23).toBe(true);
    },
  );

  it('percentile and entropy options', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const batches = [sample('mixed', 20000, rng(seed))];
    const range = qrange(8, false);
    for (const opts of [{ percentile: 99.9 }, { bins: 512, quantizedBins: 64 }]) {
      for (const kind of ['percentile', 'entropy'] as const) {
        const got = await observeAct(gpu, kind, range, batches, opts);
        const [want] = observerRef(kind, batches[0], 1, range, refOpts(range, opts));
        expectRange(got, want, kind, batches[0], range, `${kind} ${JSON.stringify(opts)} seed ${seed}`);
      }
    }
  });
});

describe('weight observers vs float64 reference', () => {
  const cases = KINDS.flatMap((k) => [[k, 'per channel', 'u8', qrange(8, false)] as const, [k, 'per channel', 's4', qrange(4, true)] as const, [k, 'per tensor', 'u4', qrange(4, false)] as const]);
  it.each(cases)('%s %s %s', async (kind, granularity, _name, range) => {
    const perChannel = granularity === 'per channel';
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const dims = [2 + Math.floor(r() * 6), 3, 3, 1 + Math.floor(r() * 12)];
    const rows = perChannel ? dims[0] : 1;
    const cols = (dims[1] * dims[2] * dims[3] * dims[0]) / rows;
    // rows of different shapes, one of them one-sided (a 1-D MSE row among 2-D ones)
    const shapes: Shape[] = ['mixed', 'relu', 'negative', 'mixed', 'constant', 'mixed', 'zeros'];
    const w = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) w.set(sample(perChannel ? shapes[i] : 'mixed', cols, r), i * cols);
    const got = await observeWeights(gpu, kind, w, dims, range, perChannel, { label: 'test' });
    const want = observerRef(kind, w, rows, range, refOpts(range));
    expect(got.scales.length).toBe(rows);
    for (let i = 0; i < rows; i++) {
      const got1 = { scale: got.scales[i], zeroPoint: got.zeroPoints[i], min: want[i].min, max: want[i].max };
      expectRange(got1, want[i], kind, w.subarray(i * cols, (i + 1) * cols), range, `${kind} row ${i} of [${dims}] seed ${seed}`);
    }
  });

  it('2-D MSE per channel over two row blocks (81 rows of 25600 candidates each)', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const [rows, cols] = [90, 3];
    const range = qrange(8, false);
    const shapes: Shape[] = ['mixed', 'mixed', 'relu', 'mixed', 'negative', 'constant'];
    const w = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) w.set(sample(shapes[i % shapes.length], cols, r), i * cols);
    const got = await observeWeights(gpu, 'mse', w, [rows, cols], range, true);
    const want = observerRef('mse', w, rows, range, refOpts(range));
    for (let i = 0; i < rows; i++) {
      const got1 = { scale: got.scales[i], zeroPoint: got.zeroPoints[i], min: want[i].min, max: want[i].max };
      expectRange(got1, want[i], 'mse', w.subarray(i * cols, (i + 1) * cols), range, `row ${i} seed ${seed}`);
    }
  });
});
