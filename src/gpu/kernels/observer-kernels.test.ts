// The calibration kernels (min/max, histogram, the MSE observer's power-of-two histogram, lattice
// and tail sums) against their float64 references, on fresh random data; the accumulating ones fed
// in several batches through one reused Dispatch record per kernel.
import { describe, expect, it } from 'vitest';
import { clearMinmax, fromOrderedCode, minmax, minmaxState, orderedCode, readMinmax } from './minmax';
import { histogram, histogramParams, histogramState, readHistogram } from './histogram';
import { LP_NORM, mseLattice, uploadPoints } from './mse-lattice';
import { mseTails } from './mse-tails';
import { pow2Histogram, pow2HistogramState, UNSET_EXP } from './pow2-histogram';
import { histogramRef, minmaxRef, mseLatticeRef, mseTailsRef, pow2HistogramRef, type RefPoints } from '../../ref/observer-kernels';
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
    [1, 20000, 16],
    [3, 3000, 16],
    [2, 5000, 8],
  ])('pow2-histogram rows %i, cols up to %i, 2^%i bins, ranges growing across batches', async (rows, maxCols, binsLog2) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed + 1);
    const cols = 1 + Math.floor(r() * maxCols);
    // magnitudes jump up (bins merge by 2^1 … past 2^binsLog2) and down; some rows one-sided; zeros, a NaN, ±2^k
    const scales = [1, 3, 0.5, 700, 2 ** 40];
    const batches = scales.map((sc, b) => {
      const a = randArray(rows * cols, r, -sc, sc);
      for (let i = 0; i < a.length; i++) {
        const row = Math.floor(i / cols);
        if (row % 3 === 1) a[i] = Math.abs(a[i]);
        if (r() < 0.05) a[i] = 0;
        if (r() < 0.01) a[i] = Math.fround(2 ** Math.floor(Math.log2(sc) - 3 * r()));
      }
      if (b === 1) a[0] = NaN;
      return a;
    });
    const x = gpu.tensor('x', [rows, cols]);
    const mm = minmaxState(gpu, 'test', rows);
    const st = pow2HistogramState(gpu, 'test', rows, binsLog2);
    const d = [minmax(gpu, x, rows, mm), ...pow2Histogram(gpu, x, mm, st)];
    for (const b of batches) {
      gpu.write(x.buffer, b);
      await gpu.run(d);
    }
    const e = await gpu.read(st.exps, rows * 2);
    const h = await gpu.read(st.hist, rows * 2 << binsLog2);
    const want = pow2HistogramRef(byRows(batches, rows), rows, binsLog2);
    expectClose(new Int32Array(e.buffer, e.byteOffset, rows * 2), want.exps, { rtol: 0, atol: 0 }, `exponents seed ${seed}`);
    expect(want.exps.includes(UNSET_EXP) === (rows > 1), 'one-sided rows leave the negative side unset').toBe(true);
    expectClose(new Uint32Array(h.buffer, h.byteOffset, rows * 2 << binsLog2), want.hist, { rtol: 0, atol: 0 }, `counts seed ${seed}`);
  });

  /** Sorted random points per row (some repeated, weights 1..4 or none), spread over [−span, span] around a shift. */
  function pointRows(r: () => number, rows: number, maxPoints: number, weighted: boolean): { xs: Float32Array; ns?: Float32Array }[] {
    return Array.from({ length: rows }, () => {
      const n = Math.floor(r() * maxPoints);
      const span = 10 ** (3 * r() - 1);
      const shift = (r() - 0.3) * span;
      const xs = randArray(n, r, shift - span, shift + span).sort();
      for (let i = 1; i < n; i++) if (r() < 0.05) xs[i] = xs[i - 1];
      return weighted ? { xs, ns: Float32Array.from(xs, () => 1 + Math.floor(4 * r())) } : { xs };
    });
  }

  /**
   * |got − want| ≤ rtol·|want| + 1e-6·(largest |want| of the row): float32 sums of thousands of terms,
   * and x − round(x/s)·s in float32 is off by up to |x/s|·2^−24 of s (rtol 1e-4 for the lattice sums).
   */
  function expectRowsClose(got: Float32Array, want: Float64Array, rows: number, rtol: number, what: string): void {
    const per = want.length / rows;
    for (let row = 0; row < rows; row++) {
      const w = want.subarray(row * per, (row + 1) * per);
      const atol = 1e-6 * w.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      expectClose(got.subarray(row * per, (row + 1) * per), w, { rtol, atol }, `${what} row ${row}`);
    }
  }

  it.each([
    [1, 4000, 15, true],
    [5, 700, 255, false],
    [3, 1500, 3, true],
  ])('mse-lattice rows %i, up to %i points, lattice ±%i, weighted %s', async (rows, maxPoints, levels, weighted) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const data = pointRows(r, rows, maxPoints, weighted);
    const steps = 4;
    // scales from a lattice narrower than the data (points beyond ±L·s) to one wider than it
    const scales = Float32Array.from({ length: rows * steps }, (_, i) => {
      const xs = data[Math.floor(i / steps)].xs;
      const span = xs.length ? Math.max(Math.abs(xs[0]), Math.abs(xs[xs.length - 1])) : 1;
      return ((span || 1) * (0.05 + 1.5 * r())) / levels;
    });
    const pts = uploadPoints(gpu, 'test', data);
    const out = gpu.buffer('out', rows * steps * (2 * levels + 1) * 4);
    await gpu.run([mseLattice(gpu, pts, gpu.tensor('scales', [rows, steps], scales).buffer, steps, levels, out)]);
    const got = await gpu.read(out, rows * steps * (2 * levels + 1));
    expectRowsClose(got, mseLatticeRef(data as RefPoints[], scales, steps, levels, LP_NORM), rows * steps, 1e-4, `mse-lattice seed ${seed}`);
  });

  it.each([
    [1, 5000, 64, true],
    [4, 900, 200, false],
  ])('mse-tails rows %i, up to %i points, %i queries, weighted %s', async (rows, maxPoints, q, weighted) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const data = pointRows(r, rows, maxPoints, weighted);
    const queries = new Float32Array(rows * q * 2);
    data.forEach(({ xs }, row) => {
      const [a, b] = xs.length ? [xs[0], xs[xs.length - 1]] : [-1, 1];
      for (let k = 0; k < q; k++) {
        // a few exactly on a point, the rest anywhere in and a little beyond the data
        queries[2 * (row * q + k)] = xs.length && k % 7 === 0 ? xs[Math.floor(r() * xs.length)] : a + (b - a) * (1.2 * r() - 0.1);
        queries[2 * (row * q + k) + 1] = k % 2;
      }
    });
    const pts = uploadPoints(gpu, 'test', data);
    const out = gpu.buffer('out', rows * q * 8);
    await gpu.run([mseTails(gpu, pts, gpu.tensor('queries', [rows, q, 2], queries).buffer, q, out)]);
    const got = await gpu.read(out, rows * q * 2);
    expectRowsClose(got, mseTailsRef(data as RefPoints[], queries, q, LP_NORM), rows, 1e-5, `mse-tails seed ${seed}`);
  });
});
