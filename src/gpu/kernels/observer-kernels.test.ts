// The calibration kernels (min/max, histogram, MSE scores) against their float64 references, on
// fresh random data fed in several batches through one reused Dispatch record per kernel.
import { describe, expect, it } from 'vitest';
import { clearMinmax, fromOrderedCode, minmax, minmaxState, orderedCode, readMinmax } from './minmax';
import { histogram, histogramParams, histogramState, readHistogram } from './histogram';
import { LP_NORM, mseScore, mseSplits, mseState, readMseScores } from './mse-score';
import { histogramRef, minmaxRef, mseScoreRef } from '../../ref/observer-kernels';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

/** Row r of every batch, concatenated: the data a per-row observer has seen after all batches. */
function byRows(batches: Float32Array[], rows: number): Float32Array {
  const cols = batches[0].length / rows;
  const out = new Float32Array(batches.length * batches[0].length);
  batches.forEach((b, i) => {
    for (let r = 0; r < rows; r++) out.set(b.subarray(r * cols, (r + 1) * cols), (r * batches.length + i) * cols);
  });
  return out;
}

function batchesOf(seed: number, count: number, n: number): Float32Array[] {
  const r = rng(seed);
  const scale = 10 ** (4 * r() - 2);
  const shift = (r() - 0.5) * scale;
  return Array.from({ length: count }, () => randArray(n, r, shift - scale, shift + scale));
}

describe('calibration kernels vs float64 reference', () => {
  it('ordered codes preserve float order', () => {
    const vals = [-Infinity, -3e38, -1, -1e-40, -0, 0, 1e-40, 1, 3e38, Infinity].map(Math.fround);
    const codes = vals.map(orderedCode);
    for (let i = 1; i < codes.length; i++) expect(codes[i]).toBeGreaterThan(codes[i - 1]);
    for (const v of vals) expect(Object.is(fromOrderedCode(orderedCode(v)), v)).toBe(true);
  });

  it.each([[1, 30000], [7, 531], [64, 9000]])('minmax rows %i, cols up to %i', async (rows, maxCols) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const cols = 1 + Math.floor(rng(seed + 1)() * maxCols);
    const batches = batchesOf(seed, 3, rows * cols);
    const x = gpu.tensor('x', [rows, cols]);
    const state = minmaxState(gpu, 'test', rows);
    const d = minmax(gpu, x, rows, state);
    for (const b of batches) {
      gpu.write(x.buffer, b);
      await gpu.run([d]);
    }
    const got = await readMinmax(gpu, state, rows);
    const want = minmaxRef(byRows(batches, rows), rows);
    expectClose(got.min, want.min, { rtol: 0, atol: 0 }, `min rows ${rows} cols ${cols} seed ${seed}`);
    expectClose(got.max, want.max, { rtol: 0, atol: 0 }, `max rows ${rows} cols ${cols} seed ${seed}`);
    clearMinmax(gpu, state, rows);
    const empty = await readMinmax(gpu, state, rows);
    expect([empty.min[0], empty.max[0]]).toEqual([Infinity, -Infinity]);
  });

  it.each([
    [1, 40000, 2048, false],
    [1, 40000, 2048, true],
    [5, 700, 100, false],
    [3, 20000, 37, true],
  ])('histogram rows %i, cols up to %i, %i bins, abs %s', async (rows, maxCols, bins, abs) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed + 1);
    const cols = 1 + Math.floor(r() * maxCols);
    const batches = batchesOf(seed, 3, rows * cols);
    const all = byRows(batches, rows);
    const { min, max } = minmaxRef(all, rows);
    // ranges a little inside the data so the edge bins also collect clamped values
    const lo = Array.from(min, (m, i) => (abs ? 0 : m + 0.05 * (max[i] - m)));
    const hi = Array.from(max, (m, i) => (abs ? 0.9 * Math.max(Math.abs(m), Math.abs(min[i])) : m - 0.05 * (m - min[i])));
    const x = gpu.tensor('x', [rows, cols]);
    const params = gpu.tensor('params', [rows, 2], histogramParams(lo, hi, bins)).buffer;
    const hist = histogramState(gpu, 'test', rows, bins);
    const d = histogram(gpu, x, rows, params, hist, bins, abs);
    for (const b of batches) {
      gpu.write(x.buffer, b);
      await gpu.run([d]);
    }
    const got = await readHistogram(gpu, hist, rows, bins);
    expectClose(got, histogramRef(all, rows, lo, hi, bins, abs), { rtol: 0, atol: 0 }, `histogram seed ${seed}`);
  });

  it.each([
    [1, 5000, 100, 0, 255],
    [3, 3000, 100, -128, 127],
    [2, 900, 1600, 0, 15],
  ])('mse-score rows %i, cols up to %i, %i candidates, grid [%i, %i]', async (rows, maxCols, k, qmin, qmax) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed + 1);
    const cols = 1 + Math.floor(r() * maxCols);
    const batches = batchesOf(seed, 3, rows * cols);
    const all = byRows(batches, rows);
    const { min, max } = minmaxRef(all, rows);
    const cand = new Float32Array(rows * k * 2);
    for (let row = 0; row < rows; row++) {
      const span = Math.max(max[row] - min[row], 1e-6);
      for (let c = 0; c < k; c++) {
        cand[2 * (row * k + c)] = (span * (0.2 + r())) / (qmax - qmin);
        cand[2 * (row * k + c) + 1] = qmin + Math.floor(r() * (qmax - qmin + 1));
      }
    }
    const splits = mseSplits(rows, k, cols);
    const x = gpu.tensor('x', [rows, cols]);
    const candBuf = gpu.tensor('cand', [rows, k, 2], cand).buffer;
    const state = mseState(gpu, 'test', splits, rows, k);
    const d = mseScore(gpu, x, { rows, k, cand: candBuf, splits, state, qmin, qmax });
    for (const b of batches) {
      gpu.write(x.buffer, b);
      await gpu.run([d]);
    }
    const got = await readMseScores(gpu, state, splits, rows, k);
    const want = mseScoreRef(all, rows, cand, k, qmin, qmax, LP_NORM);
    // float32 errors of x − x̂ and of the running sums: 1e-4 relative, or 1e-6 of the row's largest score
    const atol = 1e-6 * want.reduce((a, b) => Math.max(a, b), 0);
    expectClose(got, want, { rtol: 1e-4, atol }, `mse-score splits ${splits} cols ${cols} seed ${seed}`);
  });
});
