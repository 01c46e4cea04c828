// QuantizeLinear / DequantizeLinear kernels vs the float64 reference on fresh random shapes, per
// tensor, per axis and blocked, with quotients on and near rounding ties: codes and values exact (atol 0).
import { describe, expect, it } from 'vitest';
import { dequantizeLinear, quantizeLinear } from './qdq-linear';
import { dequantizeLinearRef, paramIndex, qdqLayout, quantizeLinearRef } from '../../ref/qdq-linear';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

type Mode = 'tensor' | 'axis' | 'blocked';

/** x's shape, the axis, block size and the parameter shape of a random case. */
function randomCase(r: () => number, mode: Mode): { shape: number[]; axis: number; block: number; pshape: number[] } {
  const rank = 1 + Math.floor(r() * 4);
  const shape = Array.from({ length: rank }, () => 1 + Math.floor(r() * 6));
  const axis = Math.floor(r() * rank);
  if (mode === 'tensor') return { shape, axis, block: 0, pshape: r() < 0.5 ? [] : [1] };
  if (mode === 'axis') return { shape, axis, block: 0, pshape: [shape[axis]] };
  const block = 1 + Math.floor(r() * 4);
  return { shape, axis, block, pshape: shape.map((d, k) => (k === axis ? Math.ceil(d / block) : d)) };
}

const RANGES: [string, number, number][] = [['uint8', 0, 255], ['int8', -128, 127], ['int4', -8, 7], ['uint4', 0, 15], ['int16', -32768, 32767]];

describe('qdq-linear kernels vs float64 reference', () => {
  it.each(['tensor', 'axis', 'blocked'] as const)('QuantizeLinear and DequantizeLinear, %s parameters, exact', async (mode) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const before = gpu.pipelineCount;
    for (let t = 0; t < 12; t++) {
      const { shape, axis, block, pshape } = randomCase(r, mode);
      const [type, qmin, qmax] = RANGES[t % RANGES.length];
      const l = qdqLayout(shape, pshape, axis, block);
      const np = size(pshape);
      const scales = Array.from({ length: np }, () => Math.fround(2 ** (r() * 8 - 6) * (1 + r())));
      const zps = Array.from({ length: np }, () => Math.round(qmin + (qmax - qmin) * (0.25 + 0.5 * r())));
      const n = size(shape);
      const xs = randArray(n, r, -200, 200).map((v, i) => (i % 3 === 0 ? v * scales[0] : v));
      // exact ties and their float neighbours: x = fl(s·(k + 1/2)) ± a few ulps
      const f = new Float32Array(1);
      const bits = new Int32Array(f.buffer);
      for (let i = 1; i < n; i += 2) {
        f[0] = scales[paramIndex(l, i)] * (Math.floor(r() * 40) - 20 + 0.5);
        bits[0] += Math.floor(r() * 5) - 2;
        xs[i] = f[0];
      }
      const label = `${type} ${mode} x [${shape}] axis ${axis} block ${block} params [${pshape}] seed ${seed}`;
      const x = gpu.tensor('x', shape, xs);
      const s = gpu.tensor('s', [np], Float32Array.from(scales));
      const z = gpu.tensor('z', [np], Float32Array.from(zps));
      const q = gpu.tensor('q', shape);
      const y = gpu.tensor('y', shape);
      await gpu.run([quantizeLinear(gpu, x, s, z, q, l, qmin, qmax), dequantizeLinear(gpu, q, s, z, y, l)]);
      const codes = quantizeLinearRef(xs, scales, zps, l, qmin, qmax);
      expectClose(await gpu.read(q), codes, { rtol: 0, atol: 0 }, `codes, ${label}`);
      expectClose(await gpu.read(y), dequantizeLinearRef(codes, scales, zps, l), { rtol: 0, atol: 0 }, `values, ${label}`);
    }
    expect(gpu.pipelineCount - before, 'one pipeline per direction, whatever the shapes').toBeLessThanOrEqual(2);
  });

  it('follows ONNX examples and rejects parameters that do not fit', async () => {
    const gpu = await testGpu();
    // test_quantizelinear: uint8, scale 2, zero point 128
    const x = gpu.tensor('x', [6], Float32Array.from([0, 2, 3, 1000, -254, -1000]));
    const one = (v: number) => gpu.tensor('p', [1], Float32Array.from([v]));
    const q = gpu.tensor('q', [6]);
    await gpu.run([quantizeLinear(gpu, x, one(2), one(128), q, { mode: 'tensor' }, 0, 255)]);
    expect([...(await gpu.read(q))]).toEqual([128, 129, 130, 255, 1, 0]);
    expect(() => qdqLayout([2, 3], [2], 1, 0)).toThrow(/neither per tensor nor per axis/);
    expect(() => qdqLayout([2, 4], [2, 3], 1, 2)).toThrow(/do not fit/);
  });
});
