// Normalization kernels vs their float64 references on fresh random inputs: LayerNormalization
// (rows of every length, scalar scale, no bias, rows with a large offset), InstanceNormalization,
// the BatchNormalization affine map and LRN (even and odd window sizes).
import { describe, it } from 'vitest';
import { channelAffine, instanceNorm, layerNorm, lrn } from './normalize';
import { batchNormAffine, batchNormRef, instanceNormRef, layerNormRef, lrnRef } from '../../ref/normalize';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

/** Float32 sums over a row cost about n·2⁻²⁴ relative; the outputs are O(1) after normalizing. */
const NORM_TOL = { rtol: 1e-4, atol: 2e-5 };

describe('normalization kernels vs float64 references', () => {
  it('LayerNormalization over random [rows, n] views, with and without bias, scalar scale', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (let t = 0; t < 8; t++) {
      const rows = 1 + Math.floor(r() * 40);
      const n = 1 + Math.floor(r() * (t < 4 ? 20 : 800));
      const scalar = t % 4 === 3;
      // an offset per row: a one-pass variance (E[x²] − E[x]²) would cancel catastrophically
      const xs = randArray(rows * n, r, -2, 2).map((v, i) => v + (Math.floor(i / n) % 3) * 100);
      const sc = randArray(scalar ? 1 : n, r, 0.5, 1.5);
      const bs = t % 2 ? null : randArray(sc.length, r, -1, 1);
      const eps = [1e-5, 1e-3, 0.5][t % 3];
      const x = gpu.tensor('x', [rows, n], xs);
      const y = gpu.tensor('y', [rows, n]);
      const stats = { mean: gpu.tensor('mean', [rows]), invStd: gpu.tensor('invStd', [rows]) };
      const bias = bs && gpu.tensor('bias', [bs.length], bs);
      await gpu.run([layerNorm(gpu, x, gpu.tensor('scale', [sc.length], sc), bias, y, stats, rows, n, eps)]);
      const want = layerNormRef(xs, rows, n, sc, bs ?? undefined, eps);
      const what = `[${rows}, ${n}] eps ${eps} seed ${seed}`;
      // float32 x − mean loses up to a few ulps of the row's largest |x| (≈ 200 here), which 1/σ and
      // the scale then multiply: each row's tolerance grows by 8 such ulps (seed 2100069036 on
      // SwiftShader: [35, 3], 3.8e-5 off where 2e-5 + 1e-4·|y| allowed 3.0e-5)
      const got = await gpu.read(y);
      const maxScale = Math.max(...sc);
      for (let row = 0; row < rows; row++) {
        const at = (a: ArrayLike<number>) => Array.from({ length: n }, (_, j) => a[row * n + j]);
        const maxX = Math.max(...at(xs).map(Math.abs));
        const atol = NORM_TOL.atol + 8 * 2 ** -24 * maxX * want.invStd[row] * maxScale;
        expectClose(at(got), at(want.y), { rtol: NORM_TOL.rtol, atol }, `y ${what} row ${row}`);
      }
      expectClose(await gpu.read(stats.mean), want.mean, { rtol: 1e-5, atol: 1e-5 }, `mean ${what}`);
      expectClose(await gpu.read(stats.invStd), want.invStd, { rtol: 1e-4, atol: 0 }, `invStd ${what}`);
    }
  });

  it('InstanceNormalization over random [N, C, H, W]', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const shape of [[2, 3, 5, 7], [1, 8, 1, 1], [3, 4, 16], [1, 5, 20, 30]]) {
      const C = shape[1];
      const xs = randArray(size(shape), r, -3, 5);
      const sc = randArray(C, r, -1.5, 1.5);
      const bs = randArray(C, r, -1, 1);
      const x = gpu.tensor('x', shape, xs);
      const y = gpu.tensor('y', shape);
      const rows = shape[0] * C;
      const stats = { mean: gpu.tensor('mean', [rows]), invStd: gpu.tensor('invStd', [rows]) };
      await gpu.run([instanceNorm(gpu, x, gpu.tensor('scale', [C], sc), gpu.tensor('bias', [C], bs), y, stats, 1e-5)]);
      expectClose(await gpu.read(y), instanceNormRef(xs, shape, sc, bs, 1e-5), NORM_TOL, `[${shape}] seed ${seed}`);
    }
  });

  it('BatchNormalization as a per-channel affine map', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const shape of [[2, 3, 4, 5], [4, 7], [1, 16, 9], [2, 5, 2, 3, 2]]) {
      const C = shape[1];
      const p = { scale: randArray(C, r, 0.5, 1.5), bias: randArray(C, r), mean: randArray(C, r), variance: randArray(C, r, 0.05, 2) };
      const { a, b } = batchNormAffine(p, 1e-3);
      const xs = randArray(size(shape), r, -3, 3);
      const y = gpu.tensor('y', shape);
      const ta = gpu.tensor('a', [C], Float32Array.from(a));
      const tb = gpu.tensor('b', [C], Float32Array.from(b));
      await gpu.run([channelAffine(gpu, gpu.tensor('x', shape, xs), ta, tb, y)]);
      expectClose(await gpu.read(y), batchNormRef(xs, shape, p, 1e-3), { rtol: 1e-5, atol: 1e-5 }, `[${shape}] seed ${seed}`);
    }
  });

  it('LRN across channels, odd and even window sizes', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const cases: [number[], number][] = [[[2, 7, 3, 4], 5], [[1, 6, 5, 5], 2], [[1, 3, 2, 2], 1], [[2, 4, 3, 3], 9], [[1, 96, 5, 5], 5]];
    for (const [shape, windowSize] of cases) {
      const p = { size: windowSize, alpha: 1e-4 + r() * 1e-2, beta: 0.5 + r() * 0.5, bias: 1 + r() };
      const xs = randArray(size(shape), r, -5, 5);
      const y = gpu.tensor('y', shape);
      await gpu.run([lrn(gpu, gpu.tensor('x', shape, xs), y, p)]);
      expectClose(await gpu.read(y), lrnRef(xs, shape, p), { rtol: 1e-5, atol: 1e-6 }, `[${shape}] size ${windowSize} seed ${seed}`);
    }
  });
});
