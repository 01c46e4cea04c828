// The resample kernel (Resize/Upsample, Tile, Gather) vs the float64 reference on fresh random tap
// tables, and on random ONNX Resize configurations through resizeSpec.
import { describe, it } from 'vitest';
import { packResampleTable, resample } from './resample';
import { resampleRef, type AxisMap, type ResampleSpec } from '../../ref/resample';
import { resizeSpec, RESIZE_DEFAULTS, type ResizeAttrs } from '../../ref/resize';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

/** float32 sums of at most a few hundred products of |x| ≤ 1 with weights of about 1. */
const TOL = { rtol: 1e-5, atol: 1e-5 };

async function check(spec: ResampleSpec, r: () => number, what: string): Promise<void> {
  const gpu = await testGpu();
  const xs = randArray(size(spec.inShape), r);
  const x = gpu.tensor('x', spec.inShape, xs);
  const y = gpu.tensor('y', spec.outShape, new Float32Array(size(spec.outShape)).fill(Number.NaN));
  const packed = packResampleTable(spec);
  const table = gpu.tensor('table', [packed.length / 2, 2], packed);
  await gpu.run([resample(gpu, x, y, spec, table)]);
  expectClose(await gpu.read(y), resampleRef(xs, spec), TOL, what);
}

function randomAxis(inLen: number, r: () => number): { map: AxisMap | null; out: number } {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const u = r();
  if (u < 0.3) return { map: null, out: inLen };
  const out = int(1, 7);
  const taps = u < 0.55 ? 1 : int(1, 4);
  const idx = Int32Array.from({ length: out * taps }, () => int(0, inLen - 1));
  const w = Float64Array.from({ length: out * taps }, () => (taps === 1 ? 1 : r() * 2 - 0.5));
  for (let o = 0; o < out; o++) if (r() < 0.1) idx[o * taps] = -1; // outside: extrapolation
  return { map: { taps, idx, w }, out };
}

describe('resample kernel vs float64 reference', () => {
  it('random tap tables, ranks 1–5', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    for (let t = 0; t < 24; t++) {
      const rank = 1 + Math.floor(r() * 5);
      const inShape = Array.from({ length: rank }, () => 1 + Math.floor(r() * 6));
      const axes = inShape.map((d) => randomAxis(d, r));
      const spec: ResampleSpec = { inShape, outShape: axes.map((a) => a.out), axes: axes.map((a) => a.map), extrapolation: r() * 4 - 2 };
      await check(spec, r, `case ${t}: [${inShape}] → [${spec.outShape}] taps [${spec.axes.map((a) => a?.taps ?? 0)}] seed ${seed}`);
    }
  });

  it('random ONNX Resize configurations on N,C,H,W', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    const coords = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize', 'half_pixel_symmetric', 'tf_half_pixel_for_nn'];
    for (let t = 0; t < 24; t++) {
      const inShape = [1 + Math.floor(r() * 2), 1 + Math.floor(r() * 3), 1 + Math.floor(r() * 9), 1 + Math.floor(r() * 9)];
      const mode = pick(['nearest', 'linear', 'cubic'] as const);
      const attrs: ResizeAttrs = {
        ...RESIZE_DEFAULTS,
        mode,
        coord: pick(mode === 'nearest' ? coords : coords.filter((c) => c !== 'tf_half_pixel_for_nn')),
        nearest: pick(['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil', 'legacy']),
        antialias: mode !== 'nearest' && r() < 0.3,
        excludeOutside: mode === 'cubic' && r() < 0.3,
        extrapolation: r() * 2 - 1,
      };
      const hw = [Math.fround(0.25 + r() * 3), Math.fround(0.25 + r() * 3)];
      const useSizes = r() < 0.5;
      const inputs = useSizes
        ? { sizes: [inShape[2], inShape[3]].map((d, k) => Math.max(1, Math.floor(d * hw[k]))), axes: [2, 3] }
        : { scales: [1, 1, ...hw] };
      const roi = [r() * 0.5, r() * 0.5, 0.5 + r() * 0.7, 0.5 + r() * 0.7].map(Math.fround);
      const spec = resizeSpec(inShape, { ...inputs, roi: useSizes ? roi : [0, 0, ...roi.slice(0, 2), 1, 1, ...roi.slice(2)] }, attrs);
      await check(spec, r, `case ${t}: [${inShape}] ${JSON.stringify(inputs)} ${JSON.stringify(attrs)} seed ${seed}`);
    }
  });
});
