// Pooling backward on the GPU (gather over dx) vs the float64 reference (scatter over windows) on
// random 2-D windows (plus some 1-D / 3-D): asymmetric pads, strides, dilations, ceil_mode,
// count_include_pad both ways, max ties; and the reference vs central finite differences of
// the forward reference.
import { describe, it } from 'vitest';
import { globalPoolGrad, poolGrad } from './pool-grad';
import { globalPoolGradRef, poolGradRef } from '../../ref/pool-grad';
import { globalPoolRef, poolOutputShape, poolRef, resolveAutoPad, type AutoPad, type PoolKind, type PoolParams } from '../../ref/pool';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const tol = { rtol: 1e-5, atol: 1e-6 };
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
type Case = { kind: PoolKind; shape: number[]; p: PoolParams; ceil: boolean };

function randomCase(r: () => number, kind: PoolKind, dims: number, maxSide: number): Case {
  const inSp = Array.from({ length: dims }, () => int(r, 1, maxSide));
  const kernel = inSp.map(() => int(r, 1, 4));
  const strides = inSp.map(() => int(r, 1, 3));
  const dilations = inSp.map(() => (r() < 0.3 ? 2 : 1));
  const autoPad: AutoPad = r() < 0.2 ? (r() < 0.5 ? 'SAME_UPPER' : 'SAME_LOWER') : 'NOTSET';
  const explicit = [...kernel, ...kernel].map((k) => int(r, 0, k - 1));
  const pads = resolveAutoPad(autoPad, inSp, kernel, strides, dilations, explicit);
  const ceil = autoPad === 'NOTSET' && r() < 0.5;
  return { kind, shape: [int(r, 1, 2), int(r, 1, 3), ...inSp], p: { kernel, strides, pads, dilations, countIncludePad: r() < 0.5 }, ceil };
}

function cases(r: () => number): Case[] {
  const out: Case[] = [
    // Ceil-mode windows past the end padding, overlapping windows (stride < kernel), a 3x3/s1/p1.
    { kind: 'avg', shape: [1, 2, 5, 6], p: { kernel: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], dilations: [1, 1], countIncludePad: true }, ceil: true },
    { kind: 'max', shape: [1, 2, 5, 5], p: { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1], countIncludePad: false }, ceil: true },
    { kind: 'max', shape: [2, 3, 8, 8], p: { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], countIncludePad: false }, ceil: false },
    { kind: 'avg', shape: [2, 3, 8, 8], p: { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], countIncludePad: false }, ceil: false },
    { kind: 'max', shape: [1, 2, 9, 9], p: { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], countIncludePad: false }, ceil: false },
  ];
  for (let t = 0; t < 20; t++) out.push(randomCase(r, t % 2 ? 'max' : 'avg', 2, 9));
  for (let t = 0; t < 6; t++) out.push(randomCase(r, t % 2 ? 'max' : 'avg', t < 3 ? 1 : 3, 6));
  return out;
}

/** n distinct values in [lo, hi), at least (hi − lo)/(2n) apart, in random order. */
function distinct(n: number, r: () => number, lo: number, hi: number): Float32Array {
  const v = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.25 + 0.5 * r())) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return Float32Array.from(v);
}

describe('pool backward kernels vs float64 reference', () => {
  it('random windows', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const { kind, shape, p, ceil } of cases(r)) {
      const outShape = poolOutputShape(shape, p.kernel, p.strides, p.pads, p.dilations, ceil);
      if (size(outShape) === 0) continue;
      // Integer inputs now and then: many ties in a max window.
      const xs = r() < 0.3 ? Float32Array.from(randArray(size(shape), r, 0, 3), Math.floor) : randArray(size(shape), r, -3, 3);
      const dys = randArray(size(outShape), r, -2, 2);
      const x = gpu.tensor('x', shape, xs);
      const dy = gpu.tensor('dy', outShape, dys);
      const dx = gpu.tensor('dx', shape);
      await gpu.run([poolGrad(gpu, kind, x, dy, dx, p)]);
      const what = `${kind} [${shape}] ${JSON.stringify(p)} ceil ${ceil} seed ${seed}`;
      expectClose(await gpu.read(dx), poolGradRef(kind, xs, shape, dys, p, outShape), tol, what);
    }
  });

  it.each(['max', 'avg'] as PoolKind[])('global %s pool', async (kind) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    // Integer inputs (ties) in small rows and in rows longer than the 64-thread workgroup.
    const shapes: [number[], boolean][] = [[[2, 3, 7, 7], false], [[1, 5, 1], false], [[3, 2, 4, 5, 6], false], [[1, 2, 50, 50], false], [[2, 2, 3, 3], true], [[1, 3, 20, 20], true]];
    for (const [shape, ties] of shapes) {
      const xs = ties ? Float32Array.from(randArray(size(shape), r, 0, 2), Math.floor) : randArray(size(shape), r, -4, -1);
      const dys = randArray(shape[0] * shape[1], r, -2, 2);
      const x = gpu.tensor('x', shape, xs);
      const dy = gpu.tensor('dy', [shape[0], shape[1], ...shape.slice(2).map(() => 1)], dys);
      const dx = gpu.tensor('dx', shape);
      await gpu.run([globalPoolGrad(gpu, kind, x, dy, dx)]);
      expectClose(await gpu.read(dx), globalPoolGradRef(kind, xs, shape, dys), tol, `${kind} [${shape}] ties ${ties} seed ${seed}`);
    }
  });

  it('references match central finite differences', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const h = 1e-6;
    const fdTol = { rtol: 1e-6, atol: 1e-7 };
    // d/dx of L = Σ dy · f(x), for a float64 forward f.
    const fd = (xs: Float64Array, dys: ArrayLike<number>, f: (x: Float64Array) => Float64Array) =>
      xs.map((v, i) => {
        const up = xs.slice();
        const down = xs.slice();
        up[i] = v + h;
        down[i] = v - h;
        const fu = f(up);
        const fdn = f(down);
        let s = 0;
        for (let o = 0; o < fu.length; o++) s += dys[o] * (fu[o] - fdn[o]);
        return s / (2 * h);
      });
    for (const c of cases(r).slice(0, 16)) {
      const { kind, p, ceil } = c;
      const shape = [1, 2, ...c.shape.slice(2)];
      const outShape = poolOutputShape(shape, p.kernel, p.strides, p.pads, p.dilations, ceil);
      if (size(outShape) === 0) continue;
      // Distinct values far apart compared with h: the max is unique in every window.
      const xs = Float64Array.from(distinct(size(shape), r, -3, 3));
      const dys = randArray(size(outShape), r, -2, 2);
      const want = fd(xs, dys, (x) => poolRef(kind, x, shape, p, outShape));
      expectClose(poolGradRef(kind, xs, shape, dys, p, outShape), want, fdTol, `${kind} [${shape}] ${JSON.stringify(p)} ceil ${ceil} seed ${seed}`);
    }
    for (const kind of ['max', 'avg'] as PoolKind[]) {
      const shape = [2, 3, 4, 5];
      const xs = Float64Array.from(distinct(size(shape), r, -3, 3));
      const dys = randArray(6, r, -2, 2);
      const want = fd(xs, dys, (x) => globalPoolRef(kind, x, shape));
      expectClose(globalPoolGradRef(kind, xs, shape, dys), want, fdTol, `global ${kind} seed ${seed}`);
    }
  });
});
