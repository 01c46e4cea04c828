// The matmul ceiling probe vs the float64 Gemm reference (transA) on random sizes, every tile shape.
import { describe, expect, it } from 'vitest';
import { matmulProbe, type ProbeTile } from './matmul-probe';
import { gemmRef } from '../../ref/matmul';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

describe('matmul probe vs float64 reference', () => {
  it.each([
    [4, 4],
    [8, 4],
    [4, 8],
    [8, 8],
  ] as [ProbeTile, ProbeTile][])('tile %i x %i', async (tm, tn) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const [M, N, K] = [8 * (1 + Math.floor(r() * 12)), 8 * (1 + Math.floor(r() * 12)), 1 + Math.floor(r() * 90)];
    const [as, bs] = [randArray(K * M, r), randArray(K * N, r)];
    const y = gpu.tensor('y', [M, N]);
    await gpu.run([matmulProbe(gpu, gpu.tensor('a', [K, M], as), gpu.tensor('b', [K, N], bs), y, tm, tn)]);
    const want = gemmRef(as, [K, M], bs, [K, N], null, [], { transA: true, transB: false, alpha: 1, beta: 0 });
    expectClose(await gpu.read(y), want.data, { rtol: 1e-5, atol: 1e-5 * K }, `seed ${seed}: M ${M} N ${N} K ${K}`);
  });

  it('rejects sizes that are not multiples of the tile', async () => {
    const gpu = await testGpu();
    expect(() => matmulProbe(gpu, gpu.tensor('a', [4, 12]), gpu.tensor('b', [4, 8]), gpu.tensor('y', [12, 8]))).toThrow(/multiple of 8/);
  });
});
