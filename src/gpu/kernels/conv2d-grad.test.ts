// Backward kernels (conv2d grad-input / grad-weight, Gemm grad-A / grad-B) vs the float64
// references on fresh random shapes, and the float64 references themselves vs central differences
// of the float64 forward references (conv2dRef, gemmRef) of L = Σ dy·y.
import { describe, expect, it } from 'vitest';
import { convOutputShape, type ConvParams } from './conv2d';
import { conv2dGradInput, conv2dGradWeight, gemmGradA, gemmGradB, type ConvGradParams, type GradInputVariant, type GradWeightVariant } from './conv2d-grad';
import type { GemmParams } from './gemm';
import { conv2dRef } from '../../ref/conv2d';
import { conv2dGradInputRef, conv2dGradWeightRef, gemmGradRef } from '../../ref/conv2d-grad';
import { gemmRef } from '../../ref/matmul';
import { freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

/**
 * GPU (float32) vs float64: |gpu − ref| ≤ ATOL + RTOL·|ref| + SUM_TOL·Σ|terms|, where Σ|terms| is the
 * same gradient computed from |dy| and |w| (or |x|): float32 rounding of a sum scales with it, while
 * one dropped or duplicated term (≥ Σ|terms| / length, lengths here ≤ ~2000) is well above it.
 */
const TOL = { atol: 1e-5, rtol: 1e-4, sumTol: 1e-5 };
/** Central differences of float64 L with step 1e-6: L is bilinear, so only rounding separates them. */
const FD_STEP = 1e-6;
const FD_RTOL = 1e-6;

function expectGradClose(got: ArrayLike<number>, want: ArrayLike<number>, absSum: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (TOL.atol + TOL.rtol * Math.abs(want[i]) + TOL.sumTol * absSum[i]);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${got[worst]}, reference ${want[worst]} (Σ|terms| ${absSum[worst]}; atol ${TOL.atol}, rtol ${TOL.rtol}, sum tol ${TOL.sumTol})`);
  }
}

const abs = (a: Float32Array) => a.map(Math.abs);
const nans = (n: number) => new Float32Array(n).fill(Number.NaN);

type Groups = 'one' | 'two' | 'three' | 'depthwise' | 'multiplier';

interface Problem {
  xShape: number[];
  wShape: number[];
  p: ConvGradParams;
}

/** A random conv problem of the given group kind: kernels 1/3/5, strides 1-3, asymmetric pads 0-2, dilations 1-2. */
function draw(groups: Groups, r: () => number): Problem {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const N = int(1, 3);
  const group = groups === 'one' ? 1 : groups === 'two' ? 2 : groups === 'three' ? 3 : int(1, 12);
  const C = groups === 'depthwise' || groups === 'multiplier' ? group : group * int(1, groups === 'one' ? 13 : 6);
  const M = groups === 'depthwise' ? C : groups === 'multiplier' ? C * int(2, 3) : group * int(1, groups === 'one' ? 24 : 9);
  const kH = pick([1, 3, 5]);
  const kW = pick([1, 3, 5]);
  const dilations: [number, number] = [int(1, 2), int(1, 2)];
  const strides: [number, number] = [int(1, 3), int(1, 3)];
  const pads: [number, number, number, number] = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)];
  const H = Math.max(int(3, 17), dilations[0] * (kH - 1) + 1);
  const W = Math.max(int(3, 19), dilations[1] * (kW - 1) + 1);
  return { xShape: [N, C, H, W], wShape: [M, C / group, kH, kW], p: { strides, pads, dilations, group } };
}

/** Both conv gradients on the GPU vs the float64 references; dx/dw start as NaN to prove full overwrite. */
async function checkConv({ xShape, wShape, p }: Problem, r: () => number, what: string, dxVariant: GradInputVariant = 'auto', dwVariant: GradWeightVariant = 'auto'): Promise<{ dispatches: number }> {
  const gpu = await testGpu();
  const dyShape = convOutputShape(xShape, wShape, p);
  const xs = randArray(size(xShape), r);
  const ws = randArray(size(wShape), r);
  const dys = randArray(size(dyShape), r);
  const x = gpu.tensor('x', xShape, xs);
  const w = gpu.tensor('w', wShape, ws);
  const dy = gpu.tensor('dy', dyShape, dys);
  const dx = gpu.tensor('dx', xShape, nans(size(xShape)));
  const dw = gpu.tensor('dw', wShape, nans(size(wShape)));
  const gw = conv2dGradWeight(gpu, x, dy, dw, p, dwVariant);
  await gpu.run([...conv2dGradInput(gpu, dy, w, dx, p, dxVariant), ...gw]);
  const tag = `${what} (dx ${dxVariant}, dw ${dwVariant}): x [${xShape}] w [${wShape}] dy [${dyShape}] ${JSON.stringify(p)}`;
  expectGradClose(
    await gpu.read(dx),
    conv2dGradInputRef(dys, dyShape, ws, wShape, xShape, p),
    conv2dGradInputRef(abs(dys), dyShape, abs(ws), wShape, xShape, p),
    `grad input, ${tag}`,
  );
  expectGradClose(
    await gpu.read(dw),
    conv2dGradWeightRef(xs, xShape, dys, dyShape, wShape, p),
    conv2dGradWeightRef(abs(xs), xShape, abs(dys), dyShape, wShape, p),
    `grad weight (${gw.length} dispatches), ${tag}`,
  );
  for (const t of [x, w, dy, dx, dw]) t.buffer.destroy();
  return { dispatches: gw.length };
}

describe('conv2d gradients on the GPU vs float64 references', () => {
  const kinds: [string, Groups][] = [
    ['group 1', 'one'],
    ['group 2', 'two'],
    ['group 3', 'three'],
    ['depthwise (group == C == M)', 'depthwise'],
    ['group C with channel multiplier', 'multiplier'],
  ];
  it.each(kinds)('%s', async (_, kind) => {
    for (let rep = 0; rep < 5; rep++) {
      const seed = freshSeed();
      await checkConv(draw(kind, rng(seed)), rng(seed + 1), `seed ${seed}`);
    }
  });

  // The input gradient of stride-1 convs as a forward GEMM of dy with the flipped kernel, on both
  // kernel families (each runs on whatever adapter the test has), and the direct kernel for all.
  const dxPaths: [string, Groups, GradInputVariant][] = [
    ['register-tiled GEMM, group 1', 'one', 'tiled'],
    ['register-tiled GEMM, group 3', 'three', 'tiled'],
    ['register-tiled GEMM, depthwise', 'depthwise', 'tiled'],
    ['workgroup-tiled GEMM, group 1', 'one', 'workgroup'],
    ['workgroup-tiled GEMM, group 2', 'two', 'workgroup'],
    ['workgroup-tiled GEMM, channel multiplier', 'multiplier', 'workgroup'],
    ['direct kernel, group 1', 'one', 'direct'],
  ];
  const dwPaths: [string, Groups][] = [
    ['group 1', 'one'],
    ['group 3', 'three'],
    ['depthwise', 'depthwise'],
    ['channel multiplier', 'multiplier'],
  ];
  it.each(dwPaths)('weight gradient through the workgroup-tiled GEMM (GPU family): %s', async (_, kind) => {
    for (let rep = 0; rep < 3; rep++) {
      const seed = freshSeed();
      await checkConv(draw(kind, rng(seed)), rng(seed + 1), `seed ${seed}`, 'auto', 'workgroup');
    }
  });

  it.each(dxPaths)('stride-1 input gradient: %s', async (_, kind, variant) => {
    for (let rep = 0; rep < 4; rep++) {
      const seed = freshSeed();
      const prob = draw(kind, rng(seed));
      if (variant !== 'direct') prob.p = { ...prob.p, strides: [1, 1] };
      await checkConv(prob, rng(seed + 1), `seed ${seed}`, variant);
    }
  });

  it('splits a long reduction into chunks and a reduce, and skips the split when it is short', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const long: Problem = { xShape: [3, 5, 20, 21], wShape: [6, 5, 3, 3], p: { strides: [1, 1], pads: [1, 0, 2, 1], dilations: [1, 1], group: 1 } };
    expect((await checkConv(long, r, `long, seed ${seed}`)).dispatches).toBe(2);
    const short: Problem = { xShape: [1, 8, 6, 6], wShape: [8, 8, 3, 3], p: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 } };
    expect((await checkConv(short, r, `short, seed ${seed}`)).dispatches).toBe(1);
  });

  it('re-running the Dispatches overwrites (does not accumulate) and follows new inputs', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const gpu = await testGpu();
    const p: ConvGradParams = { strides: [2, 1], pads: [0, 1, 1, 2], dilations: [1, 2], group: 2 };
    const [xShape, wShape] = [[2, 6, 15, 17], [4, 3, 3, 3]];
    const dyShape = convOutputShape(xShape, wShape, p);
    const [xs, ws] = [randArray(size(xShape), r), randArray(size(wShape), r)];
    const x = gpu.tensor('x', xShape, xs);
    const w = gpu.tensor('w', wShape, ws);
    const dy = gpu.tensor('dy', dyShape);
    const dx = gpu.tensor('dx', xShape);
    const dw = gpu.tensor('dw', wShape);
    const plan = [...conv2dGradInput(gpu, dy, w, dx, p), ...conv2dGradWeight(gpu, x, dy, dw, p)];
    for (let it = 0; it < 2; it++) {
      const dys = randArray(size(dyShape), r);
      gpu.write(dy.buffer, dys);
      await gpu.run([...plan, ...plan]);
      const what = `iteration ${it}, seed ${seed}`;
      expectGradClose(await gpu.read(dx), conv2dGradInputRef(dys, dyShape, ws, wShape, xShape, p), conv2dGradInputRef(abs(dys), dyShape, abs(ws), wShape, xShape, p), `dx ${what}`);
      expectGradClose(await gpu.read(dw), conv2dGradWeightRef(xs, xShape, dys, dyShape, wShape, p), conv2dGradWeightRef(abs(xs), xShape, abs(dys), dyShape, wShape, p), `dw ${what}`);
    }
  });

  it('a ResNet-20-like 16->32 stride-2 3x3 conv: x [4,16,32,32], w [32,16,3,3]', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const gpu = await testGpu();
    const p: ConvGradParams = { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
    const [xShape, wShape] = [[4, 16, 32, 32], [32, 16, 3, 3]];
    const dyShape = convOutputShape(xShape, wShape, p);
    const [xs, ws, dys] = [randArray(size(xShape), r), randArray(size(wShape), r), randArray(size(dyShape), r)];
    const dy = gpu.tensor('dy', dyShape, dys);
    const dx = gpu.tensor('dx', xShape, nans(size(xShape)));
    const dw = gpu.tensor('dw', wShape, nans(size(wShape)));
    const gi = conv2dGradInput(gpu, dy, gpu.tensor('w', wShape, ws), dx, p);
    const gw = conv2dGradWeight(gpu, gpu.tensor('x', xShape, xs), dy, dw, p);
    await gpu.run([...gi, ...gw]); // compiles the pipelines
    const t0 = performance.now();
    await gpu.run(gi);
    const t1 = performance.now();
    await gpu.run(gw);
    const t2 = performance.now();
    console.log(`ResNet-like grads on ${gpu.adapter.description || gpu.adapter.device}: input ${(t1 - t0).toFixed(1)} ms, weight ${(t2 - t1).toFixed(1)} ms (${gw.length} dispatches)`);
    const what = `seed ${seed}`;
    expectGradClose(await gpu.read(dx), conv2dGradInputRef(dys, dyShape, ws, wShape, xShape, p), conv2dGradInputRef(abs(dys), dyShape, abs(ws), wShape, xShape, p), `dx ${what}`);
    expectGradClose(await gpu.read(dw), conv2dGradWeightRef(xs, xShape, dys, dyShape, wShape, p), conv2dGradWeightRef(abs(xs), xShape, abs(dys), dyShape, wShape, p), `dw ${what}`);
  });

  it('rejects a dy of the wrong shape and mismatched groups', async () => {
    const gpu = await testGpu();
    const p: ConvGradParams = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 2 };
    const x = gpu.tensor('x', [1, 4, 5, 5]);
    const w = gpu.tensor('w', [4, 2, 3, 3]);
    expect(() => conv2dGradInput(gpu, gpu.tensor('dy', [1, 4, 4, 4]), w, x, p)).toThrow(/expected \[1,4,3,3\]/);
    expect(() => conv2dGradWeight(gpu, x, gpu.tensor('dy', [1, 4, 4, 4]), w, p)).toThrow(/expected \[1,4,3,3\]/);
    expect(() => conv2dGradInput(gpu, gpu.tensor('dy', [1, 4, 3, 3]), gpu.tensor('w4', [4, 4, 3, 3]), x, p)).toThrow(/group/);
  });
});

describe('Gemm gradients on the GPU vs float64 references', () => {
  const flags: [boolean, boolean][] = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];
  it.each(flags)('transA %s, transB %s', async (transA, transB) => {
    const gpu = await testGpu();
    for (let rep = 0; rep < 3; rep++) {
      const seed = freshSeed();
      const r = rng(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
      const [M, K, N] = [int(1, 40), int(1, 70), int(1, 40)];
      const p: GemmParams = { transA, transB, alpha: 0.25 + r() * 2, beta: 1 };
      const aShape = transA ? [K, M] : [M, K];
      const bShape = transB ? [N, K] : [K, N];
      const [as, bs, dys] = [randArray(M * K, r), randArray(K * N, r), randArray(M * N, r)];
      const a = gpu.tensor('a', aShape, as);
      const b = gpu.tensor('b', bShape, bs);
      const dy = gpu.tensor('dy', [M, N], dys);
      const da = gpu.tensor('da', aShape, nans(M * K));
      const db = gpu.tensor('db', bShape, nans(K * N));
      await gpu.run([gemmGradA(gpu, dy, b, da, p), gemmGradB(gpu, a, dy, db, p)]);
      const want = gemmGradRef(as, aShape, bs, bShape, dys, p);
      const absWant = gemmGradRef(abs(as), aShape, abs(bs), bShape, abs(dys), { ...p, alpha: Math.abs(p.alpha) });
      const what = `seed ${seed}: M ${M} K ${K} N ${N} ${JSON.stringify(p)}`;
      expectGradClose(await gpu.read(da), want.da, absWant.da, `da ${what}`);
      expectGradClose(await gpu.read(db), want.db, absWant.db, `db ${what}`);
      for (const t of [a, b, dy, da, db]) t.buffer.destroy();
    }
  });

  it('rejects mismatched shapes', async () => {
    const gpu = await testGpu();
    const p: GemmParams = { transA: false, transB: true, alpha: 1, beta: 0 };
    const [a, b] = [gpu.tensor('a', [3, 5]), gpu.tensor('b', [4, 5])];
    expect(() => gemmGradA(gpu, gpu.tensor('dy', [3, 5]), b, a, p)).toThrow(/expected \[3,4\]/);
    expect(() => gemmGradB(gpu, a, gpu.tensor('dy', [3, 4]), gpu.tensor('db', [4, 6]), p)).toThrow(/inner dimensions/);
  });
});

/** L(θ) = Σ dy·f(θ) by central differences at index i of θ (a copy is perturbed). */
function centralDiff(theta: Float64Array, i: number, loss: (t: Float64Array) => number): number {
  const t = Float64Array.from(theta);
  t[i] = theta[i] + FD_STEP;
  const up = loss(t);
  t[i] = theta[i] - FD_STEP;
  return (up - loss(t)) / (2 * FD_STEP);
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Indices of `count` random elements of an array of n (all of them when n is smaller). */
function sample(n: number, count: number, r: () => number): number[] {
  if (n <= count) return [...Array(n).keys()];
  return Array.from({ length: count }, () => Math.floor(r() * n));
}

function expectFd(fd: number, analytic: number, what: string): void {
  if (!(Math.abs(fd - analytic) <= FD_RTOL * (1 + Math.abs(analytic)))) {
    expect.fail(`${what}: central difference ${fd}, reference gradient ${analytic} (rtol ${FD_RTOL})`);
  }
}

describe('float64 gradient references vs central differences of the forward references', () => {
  const kinds: Groups[] = ['one', 'two', 'three', 'depthwise', 'multiplier'];
  it.each(kinds)('conv2d, groups: %s', (kind) => {
    for (let rep = 0; rep < 3; rep++) {
      const seed = freshSeed();
      const r = rng(seed);
      const { xShape, wShape, p } = draw(kind, r);
      const cp: ConvParams = { ...p };
      const dyShape = convOutputShape(xShape, wShape, p);
      const xs = Float64Array.from(randArray(size(xShape), r));
      const ws = Float64Array.from(randArray(size(wShape), r));
      const dys = Float64Array.from(randArray(size(dyShape), r));
      const dx = conv2dGradInputRef(dys, dyShape, ws, wShape, xShape, p);
      const dw = conv2dGradWeightRef(xs, xShape, dys, dyShape, wShape, p);
      const what = `seed ${seed}: x [${xShape}] w [${wShape}] ${JSON.stringify(p)}`;
      for (const i of sample(xs.length, 12, r)) {
        expectFd(centralDiff(xs, i, (t) => dot(dys, conv2dRef(t, xShape, ws, wShape, null, cp).data)), dx[i], `dx[${i}], ${what}`);
      }
      for (const i of sample(ws.length, 12, r)) {
        expectFd(centralDiff(ws, i, (t) => dot(dys, conv2dRef(xs, xShape, t, wShape, null, cp).data)), dw[i], `dw[${i}], ${what}`);
      }
    }
  });

  it('gemm, every transA/transB, with alpha and a broadcast C', () => {
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const seed = freshSeed();
      const r = rng(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
      const [M, K, N] = [int(1, 9), int(1, 9), int(1, 9)];
      const p: GemmParams = { transA, transB, alpha: -1 + 3 * r(), beta: 0.5 };
      const aShape = transA ? [K, M] : [M, K];
      const bShape = transB ? [N, K] : [K, N];
      const as = Float64Array.from(randArray(M * K, r));
      const bs = Float64Array.from(randArray(K * N, r));
      const cs = Float64Array.from(randArray(N, r));
      const dys = Float64Array.from(randArray(M * N, r));
      const { da, db } = gemmGradRef(as, aShape, bs, bShape, dys, p);
      const what = `seed ${seed}: M ${M} K ${K} N ${N} ${JSON.stringify(p)}`;
      for (const i of sample(as.length, 10, r)) {
        expectFd(centralDiff(as, i, (t) => dot(dys, gemmRef(t, aShape, bs, bShape, cs, [N], p).data)), da[i], `da[${i}], ${what}`);
      }
      for (const i of sample(bs.length, 10, r)) {
        expectFd(centralDiff(bs, i, (t) => dot(dys, gemmRef(as, aShape, t, bShape, cs, [N], p).data)), db[i], `db[${i}], ${what}`);
      }
    }
  });
});
