// Gemm kernel vs the float64 reference: every transA/transB pair, each broadcast form of C (none,
// scalar, [N], [1,N], [M,1], [M,N]), random alpha/beta, sizes on and off multiples of 4.
import { describe, expect, it } from 'vitest';
import { gemm, type GemmParams } from './gemm';
import { gemmRef } from '../../ref/matmul';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const TOL = { rtol: 1e-4, atol: 1e-5 };

type CForm = 'none' | 'scalar' | '[1]' | '[N]' | '[1,N]' | '[M,1]' | '[M,N]' | '[1,1]';

function cShapeOf(form: CForm, M: number, N: number): number[] | null {
  const shapes: Record<CForm, number[] | null> = {
    none: null, scalar: [], '[1]': [1], '[N]': [N], '[1,N]': [1, N], '[M,1]': [M, 1], '[M,N]': [M, N], '[1,1]': [1, 1],
  };
  return shapes[form];
}

async function check(transA: boolean, transB: boolean, form: CForm, seed: number): Promise<void> {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const aligned = r() < 0.5; // all of M, N, K multiples of 4 half the time: the vec4 load paths
  const dim = (hi: number) => (aligned ? 4 * int(1, hi / 4) : int(1, hi));
  const [M, N, K] = [dim(70), dim(70), dim(130)];
  const p: GemmParams = { transA, transB, alpha: int(0, 1) ? 1 : -2 + 4 * r(), beta: int(0, 1) ? 1 : -2 + 4 * r() };
  const aShape = transA ? [K, M] : [M, K];
  const bShape = transB ? [N, K] : [K, N];
  const cShape = cShapeOf(form, M, N);
  const gpu = await testGpu();
  const as = randArray(size(aShape), r);
  const bs = randArray(size(bShape), r);
  const cs = cShape ? randArray(size(cShape), r) : null;
  const a = gpu.tensor('a', aShape, as);
  const b = gpu.tensor('b', bShape, bs);
  const c = cShape && cs ? gpu.tensor('c', cShape, cs) : null;
  const y = gpu.tensor('y', [M, N], new Float32Array(M * N).fill(Number.NaN));
  await gpu.run([gemm(gpu, a, b, c, y, p)]);
  const want = gemmRef(as, aShape, bs, bShape, cs, cShape ?? [], p);
  expectClose(await gpu.read(y), want.data, TOL, `seed ${seed}: A [${aShape}] B [${bShape}] C ${form} ${JSON.stringify(p)}`);
  for (const t of [a, b, c, y]) t?.buffer.destroy();
}

const forms: CForm[] = ['none', 'scalar', '[1]', '[N]', '[1,N]', '[M,1]', '[M,N]', '[1,1]'];
const cases = [false, true].flatMap((tA) => [false, true].map((tB) => [tA, tB] as [boolean, boolean]));

describe('gemm vs float64 reference', () => {
  it.each(cases)('transA=%s transB=%s, every form of C', async (tA, tB) => {
    for (const form of forms) await check(tA, tB, form, freshSeed());
  });

  it('a classifier head: [1,64] x [10,64]^T + [10]', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const gpu = await testGpu();
    const p: GemmParams = { transA: false, transB: true, alpha: 1, beta: 1 };
    const [as, bs, cs] = [randArray(64, r), randArray(640, r), randArray(10, r)];
    const y = gpu.tensor('y', [1, 10]);
    await gpu.run([gemm(gpu, gpu.tensor('a', [1, 64], as), gpu.tensor('b', [10, 64], bs), gpu.tensor('c', [10], cs), y, p)]);
    expectClose(await gpu.read(y), gemmRef(as, [1, 64], bs, [10, 64], cs, [10], p).data, TOL, `seed ${seed}`);
  });

  it('rejects a C that does not broadcast and mismatched inner dimensions', async () => {
    const gpu = await testGpu();
    const t = (s: number[]) => gpu.tensor('t', s);
    const p: GemmParams = { transA: false, transB: false, alpha: 1, beta: 1 };
    expect(() => gemm(gpu, t([3, 4]), t([4, 5]), t([3, 4]), t([3, 5]), p)).toThrow(/broadcast/);
    expect(() => gemm(gpu, t([3, 4]), t([5, 4]), null, t([3, 4]), p)).toThrow(/inner dimensions/);
  });
});
