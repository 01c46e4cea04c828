// ConvTranspose on the GPU vs the float64 reference on fresh random 1-D and 2-D problems: groups
// (depthwise included), strides, dilations, pads, output_padding, output_shape (negative pads), bias; plus the
// geometry rules by hand.
import { describe, expect, it } from 'vitest';
import { convTranspose } from './conv-transpose';
import { convTransposeGeometry, convTransposeRef } from '../../ref/conv-transpose';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

/** float32 sums of at most ~300 products of values in [−1, 1]. */
const TOL = { rtol: 1e-4, atol: 1e-4 };

describe('ConvTranspose kernel vs float64 reference', () => {
  it('random problems', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const r = rng(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    for (let t = 0; t < 24; t++) {
      const group = r() < 0.5 ? 1 : int(2, 4);
      const depthwise = group > 1 && r() < 0.3;
      const C = depthwise ? group : group * int(1, 4);
      const M = depthwise ? group : group * int(1, 4);
      const r2 = r() < 0.8 ? 2 : 1; // 1-D problems run as height-1 2-D ones
      const axes = (f: () => number) => Array.from({ length: r2 }, f);
      const kernel = axes(() => int(1, 5));
      const strides = axes(() => int(1, 3));
      const dilations = axes(() => int(1, 2));
      const inSp = axes(() => int(1, 7));
      const outputPadding = strides.map((s, i) => int(0, Math.max(s, dilations[i]) - 1));
      const span = inSp.map((n, i) => strides[i] * (n - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1);
      const mode = r();
      const geo = convTransposeGeometry(inSp, {
        kernel, strides, dilations, outputPadding,
        pads: axes(() => int(0, 2)).concat(axes(() => int(0, 2))).map((p, i) => Math.min(p, Math.floor((span[i % r2] - 1) / 2))),
        autoPad: mode < 0.6 ? 'NOTSET' : mode < 0.7 ? 'SAME_UPPER' : mode < 0.8 ? 'SAME_LOWER' : 'NOTSET',
        outputShape: mode >= 0.8 ? span.map((v) => Math.max(1, v + int(-2, 2))) : undefined,
      });
      const xShape = [int(1, 2), C, ...inSp];
      const wShape = [C, M / group, ...kernel];
      const yShape = [xShape[0], M, ...geo.out];
      const xs = randArray(size(xShape), r);
      const ws = randArray(size(wShape), r);
      const bs = r() < 0.5 ? randArray(M, r) : null;
      const x = gpu.tensor('x', xShape, xs);
      const w = gpu.tensor('w', wShape, ws);
      const y = gpu.tensor('y', yShape, new Float32Array(size(yShape)).fill(Number.NaN));
      const b = bs && gpu.tensor('b', [M], bs);
      const p = { strides, dilations, group, pads: geo.pads };
      await gpu.run(convTranspose(gpu, x, w, b, y, p, b && gpu.tensor('scratch', yShape)));
      const what = `case ${t}: x [${xShape}] w [${wShape}] y [${yShape}] s [${strides}] d [${dilations}] pads [${geo.pads}] op [${outputPadding}] bias ${!!bs} seed ${seed}`;
      expectClose(await gpu.read(y), convTransposeRef(xs, xShape, ws, wShape, bs, yShape, p), TOL, what);
    }
  });

  it('geometry follows the ONNX equations', () => {
    const base = { kernel: [3, 3], strides: [3, 2], dilations: [1, 1], outputPadding: [0, 0], autoPad: 'NOTSET' };
    expect(convTransposeGeometry([3, 3], { ...base, pads: [1, 2, 1, 2] })).toEqual({ out: [7, 3], pads: [1, 2, 1, 2] });
    expect(convTransposeGeometry([3, 3], { ...base, outputPadding: [1, 1] })).toEqual({ out: [10, 8], pads: [0, 0, 0, 0] });
    // output_shape [10, 8]: total padding 9+0−10 = −1 and 7−8 = −1 → begin 0, end −1
    expect(convTransposeGeometry([3, 3], { ...base, outputShape: [1, 2, 10, 8] })).toEqual({ out: [10, 8], pads: [0, 0, -1, -1] });
    // SAME_UPPER: out = in·s, the odd padding at the end
    expect(convTransposeGeometry([3, 3], { ...base, strides: [2, 2], autoPad: 'SAME_UPPER' })).toEqual({ out: [6, 6], pads: [0, 0, 1, 1] });
    expect(convTransposeGeometry([3, 3], { ...base, strides: [2, 2], autoPad: 'SAME_LOWER' })).toEqual({ out: [6, 6], pads: [1, 1, 0, 0] });
    expect(convTransposeGeometry([3], { ...base, kernel: [3], strides: [1], dilations: [1], outputPadding: [0], autoPad: 'VALID' })).toEqual({ out: [5], pads: [0, 0] });
    expect(() => convTransposeGeometry([1], { ...base, kernel: [1], strides: [1], dilations: [1], outputPadding: [0], pads: [1, 1] })).toThrow(/empty/);
  });
});
