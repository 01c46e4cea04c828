// Max/Average pooling on the GPU vs the float64 reference over random 1–3-D windows (asymmetric
// pads, strides, dilations, ceil_mode, count_include_pad both ways), global pooling, and the
// shape rules (poolOutputShape, resolveAutoPad) on hand-checked ONNX cases.
import { describe, expect, it } from 'vitest';
import { globalPool, pool } from './pool';
import { globalPoolRef, poolOutputShape, poolRef, resolveAutoPad, type AutoPad, type PoolKind, type PoolParams } from '../../ref/pool';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const tol = { rtol: 1e-5, atol: 1e-6 };
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

describe('pool kernels vs float64 reference', () => {
  it('random windows', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    type Case = { kind: PoolKind; shape: number[]; p: PoolParams; ceil: boolean };
    // Ceil-mode windows that run past the end padding (those taps must not count), then random ones.
    const cases: Case[] = [
      { kind: 'avg', shape: [1, 2, 5, 6], p: { kernel: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], dilations: [1, 1], countIncludePad: true }, ceil: true },
      { kind: 'avg', shape: [2, 1, 7], p: { kernel: [3], strides: [2], pads: [1, 0], dilations: [2], countIncludePad: true }, ceil: true },
      { kind: 'avg', shape: [1, 1, 4, 4, 5], p: { kernel: [2, 3, 2], strides: [3, 2, 2], pads: [0, 1, 0, 0, 0, 1], dilations: [1, 1, 2], countIncludePad: false }, ceil: true },
      { kind: 'max', shape: [1, 2, 5, 5], p: { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1], countIncludePad: false }, ceil: true },
    ];
    for (let t = 0; t < 24; t++) {
      const dims = int(r, 1, 3);
      const kind: PoolKind = t % 2 ? 'max' : 'avg';
      const inSp = Array.from({ length: dims }, () => int(r, 1, dims === 3 ? 6 : 9));
      const kernel = inSp.map(() => int(r, 1, 4));
      const strides = inSp.map(() => int(r, 1, 3));
      const dilations = inSp.map(() => (r() < 0.3 ? 2 : 1));
      const autoPad: AutoPad = r() < 0.2 ? (r() < 0.5 ? 'SAME_UPPER' : 'SAME_LOWER') : 'NOTSET';
      const explicit = [...kernel, ...kernel].map((k) => int(r, 0, k - 1));
      const pads = resolveAutoPad(autoPad, inSp, kernel, strides, dilations, explicit);
      const ceil = autoPad === 'NOTSET' && r() < 0.5;
      cases.push({ kind, shape: [int(r, 1, 2), int(r, 1, 3), ...inSp], p: { kernel, strides, pads, dilations, countIncludePad: r() < 0.5 }, ceil });
    }
    for (const { kind, shape, p, ceil } of cases) {
      const outShape = poolOutputShape(shape, p.kernel, p.strides, p.pads, p.dilations, ceil);
      if (size(outShape) === 0) continue;
      // All-negative inputs now and then: a padding zero that wins a max would show.
      const xs = r() < 0.5 ? randArray(size(shape), r, -5, -1) : randArray(size(shape), r, -3, 3);
      const x = gpu.tensor('x', shape, xs);
      const y = gpu.tensor('y', outShape);
      await gpu.run([pool(gpu, kind, x, y, p)]);
      const what = `${kind} [${shape}] ${JSON.stringify(p)} ceil ${ceil} seed ${seed}`;
      expectClose(await gpu.read(y), poolRef(kind, xs, shape, p, outShape), tol, what);
    }
  });

  it.each(['max', 'avg'] as PoolKind[])('global %s pool', async (kind) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    for (const shape of [[2, 3, 7, 7], [1, 5, 1], [3, 2, 4, 5, 6], [1, 2, 50, 50]]) {
      const xs = randArray(size(shape), r, -4, -1);
      const x = gpu.tensor('x', shape, xs);
      const y = gpu.tensor('y', [shape[0], shape[1], ...shape.slice(2).map(() => 1)]);
      await gpu.run([globalPool(gpu, kind, x, y)]);
      expectClose(await gpu.read(y), globalPoolRef(kind, xs, shape), tol, `${kind} [${shape}] seed ${seed}`);
    }
  });

  it('shape rules match ONNX hand-checked cases', () => {
    expect(poolOutputShape([1, 1, 4, 4], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], true)).toEqual([1, 1, 2, 2]);
    expect(poolOutputShape([1, 1, 4, 4], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false)).toEqual([1, 1, 1, 1]);
    // The last window would start in the end padding: dropped.
    expect(poolOutputShape([1, 1, 2, 2], [1, 1], [2, 2], [0, 0, 0, 0], [1, 1], true)).toEqual([1, 1, 1, 1]);
    expect(poolOutputShape([32, 32], [5, 5], [3, 3], [0, 0, 0, 0], [2, 2], true)).toEqual([9, 9]);
    expect(resolveAutoPad('SAME_UPPER', [32], [2], [1], [1])).toEqual([0, 1]);
    expect(resolveAutoPad('SAME_LOWER', [32], [2], [1], [1])).toEqual([1, 0]);
    expect(resolveAutoPad('SAME_UPPER', [5, 5], [3, 3], [2, 2], [1, 1])).toEqual([1, 1, 1, 1]);
    expect(resolveAutoPad('VALID', [5], [3], [2], [1])).toEqual([0, 0]);
    expect(resolveAutoPad('NOTSET', [5], [3], [2], [1], [1, 2])).toEqual([1, 2]);
    // Ceil mode: the 3x3 window at (2, 2) covers only 2x2 of the 4x4 input: averages those 4.
    const xs = Array.from({ length: 16 }, (_, i) => i + 1);
    const p = { kernel: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], countIncludePad: true };
    expect([...poolRef('avg', xs, [1, 1, 4, 4], p, [1, 1, 2, 2])]).toEqual([6, 7.5, 12, 13.5]);
  });
});
