// Conv2d kernels vs the float64 reference on random shapes, groups, strides, pads, dilations,
// bias and fused activations; every variant (tiled, depthwise, naive) is exercised.
import { describe, expect, it } from 'vitest';
import { conv2d, conv2dPlan, convOutputShape, type ConvActivation, type ConvParams, type ConvVariant } from './conv2d';
import { conv2dRef } from '../../ref/conv2d';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

const TOL = { rtol: 1e-4, atol: 1e-5 };

interface Spec {
  groups: 'one' | 'two' | 'depthwise' | 'multiplier';
  variant?: ConvVariant;
  k?: number;
}

/** Draw a random conv problem of the given kind; every other knob is random. */
function draw(spec: Spec, r: () => number) {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const N = int(1, 3);
  const C = spec.groups === 'one' ? int(1, 13) : spec.groups === 'two' ? 2 * int(1, 6) : int(1, 19);
  const group = spec.groups === 'one' ? 1 : spec.groups === 'two' ? 2 : C;
  const M = spec.groups === 'depthwise' ? C : spec.groups === 'multiplier' ? C * int(2, 3) : group * int(1, group === 1 ? 70 : 11);
  const kH = spec.k ?? pick([1, 2, 3, 5]);
  const kW = spec.k ?? pick([1, 3, 4]);
  const dilations: [number, number] = [int(1, 2), int(1, 2)];
  const strides: [number, number] = [int(1, 3), int(1, 3)];
  const pads: [number, number, number, number] = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)];
  const H = Math.max(int(3, 19), dilations[0] * (kH - 1) + 1);
  const W = Math.max(int(3, 23), dilations[1] * (kW - 1) + 1);
  const activation: ConvActivation = pick([
    { kind: 'none' },
    { kind: 'relu' },
    { kind: 'clip', min: -0.5 + r() * 0.4, max: 0.2 + r() * 0.6 },
    { kind: 'clip', min: 0 },
  ]);
  const p: ConvParams = { strides, pads, dilations, group, activation, variant: spec.variant };
  return { xShape: [N, C, H, W], wShape: [M, C / group, kH, kW], hasBias: r() < 0.6, p };
}

async function check(spec: Spec, seed: number): Promise<void> {
  const r = rng(seed);
  const { xShape, wShape, hasBias, p } = draw(spec, r);
  const gpu = await testGpu();
  const xs = randArray(size(xShape), r);
  const ws = randArray(size(wShape), r);
  const bs = hasBias ? randArray(wShape[0], r) : null;
  const yShape = convOutputShape(xShape, wShape, p);
  const x = gpu.tensor('x', xShape, xs);
  const w = gpu.tensor('w', wShape, ws);
  const b = bs ? gpu.tensor('bias', [wShape[0]], bs) : null;
  const y = gpu.tensor('y', yShape, new Float32Array(size(yShape)).fill(Number.NaN));
  await gpu.run([conv2d(gpu, x, w, b, y, p)]);
  const want = conv2dRef(xs, xShape, ws, wShape, bs, p);
  expect(want.shape).toEqual(yShape);
  const what = `seed ${seed}: x [${xShape}] w [${wShape}] bias ${hasBias} ${JSON.stringify(p)}`;
  expectClose(await gpu.read(y), want.data, TOL, what);
  for (const t of [x, w, b, y]) t?.buffer.destroy();
}

const specs: [string, Spec][] = [
  ['group 1', { groups: 'one' }],
  ['group 1, 3x3', { groups: 'one', k: 3 }],
  ['group 2', { groups: 'two' }],
  ['depthwise (auto variant)', { groups: 'depthwise' }],
  ['depthwise 3x3', { groups: 'depthwise', k: 3 }],
  ['depthwise through the tiled variant', { groups: 'depthwise', variant: 'tiled' }],
  ['register-tiled GEMM (CPU family), group 1', { groups: 'one', variant: 'tiled' }],
  ['workgroup-tiled GEMM (GPU family), group 1', { groups: 'one', variant: 'workgroup' }],
  ['workgroup-tiled GEMM, group 2', { groups: 'two', variant: 'workgroup' }],
  ['workgroup-tiled GEMM, depthwise', { groups: 'depthwise', variant: 'workgroup' }],
  ['workgroup-tiled GEMM, 3x3 with channel multiplier', { groups: 'multiplier', variant: 'workgroup', k: 3 }],
  ['group C with channel multiplier', { groups: 'multiplier' }],
  ['naive variant, group 1', { groups: 'one', variant: 'naive' }],
  ['naive variant, group 2', { groups: 'two', variant: 'naive' }],
];

describe('conv2d vs float64 reference', () => {
  it.each(specs)('%s', async (_, spec) => {
    for (let rep = 0; rep < 6; rep++) await check(spec, freshSeed());
  });

  it('a ResNet-like 16->32 stride-2 3x3 conv with bias and relu; re-packing follows new weights', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const gpu = await testGpu();
    const p: ConvParams = { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1, activation: { kind: 'relu' } };
    const xShape = [2, 16, 16, 16];
    const wShape = [32, 16, 3, 3];
    const [xs, ws, bs] = [randArray(size(xShape), r), randArray(size(wShape), r), randArray(32, r)];
    const y = gpu.tensor('y', convOutputShape(xShape, wShape, p));
    const w = gpu.tensor('w', wShape, ws);
    const plan = conv2dPlan(gpu, gpu.tensor('x', xShape, xs), w, gpu.tensor('b', [32], bs), y, p);
    expect(plan.variant).toBe('tiled');
    await gpu.run([plan.pack!, plan.conv, plan.conv]); // a Dispatch re-runs without rebuilding anything
    expectClose(await gpu.read(y), conv2dRef(xs, xShape, ws, wShape, bs, p).data, TOL, `seed ${seed}`);
    const ws2 = randArray(size(wShape), r);
    gpu.write(w.buffer, ws2);
    await gpu.run([plan.pack!, plan.conv]);
    expectClose(await gpu.read(y), conv2dRef(xs, xShape, ws2, wShape, bs, p).data, TOL, `new weights, seed ${seed}`);
  });

  it('rejects a y of the wrong shape and mismatched groups', async () => {
    const gpu = await testGpu();
    const p: ConvParams = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 2 };
    const x = gpu.tensor('x', [1, 4, 5, 5]);
    expect(() => conv2d(gpu, x, gpu.tensor('w', [4, 2, 3, 3]), null, gpu.tensor('y', [1, 4, 4, 4]), p)).toThrow(/expected \[1,4,3,3\]/);
    expect(() => conv2d(gpu, x, gpu.tensor('w', [4, 4, 3, 3]), null, gpu.tensor('y', [1, 4, 3, 3]), p)).toThrow(/groups|group/);
  });
});
