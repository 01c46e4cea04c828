// The float64 Resize reference (resizeSpec + resampleRef) against the expected values printed in
// onnx/backend/test/case/node/resize.py (onnx 1.22), which the ONNX conformance data holds.
import { describe, expect, it } from 'vitest';
import { resizeSpec, RESIZE_DEFAULTS, type ResizeAttrs, type ResizeInputs } from './resize';
import { resampleRef } from './resample';
import { expectClose } from '../test/helpers';

const f32 = (v: number[]) => v.map(Math.fround);
const X2 = [1, 2, 3, 4];
const X24 = [1, 2, 3, 4, 5, 6, 7, 8];
const X44 = Array.from({ length: 16 }, (_, i) => i + 1);
const rows = (...r: [number, number[]][]) => r.flatMap(([n, row]) => Array.from({ length: n }, () => row).flat());

interface Case {
  x: number[];
  shape: number[];
  inputs: ResizeInputs;
  attrs: Partial<ResizeAttrs>;
  out: number[];
  want: number[];
}

/** The comments of resize.py print 8 significant digits (some fewer): rtol 1e-6 + atol 1e-6. */
const CASES: Record<string, Case> = {
  upsample_scales_nearest: { x: X2, shape: [1, 1, 2, 2], inputs: { scales: [1, 1, 2, 3] }, attrs: {}, out: [1, 1, 4, 6], want: rows([2, [1, 1, 1, 2, 2, 2]], [2, [3, 3, 3, 4, 4, 4]]) },
  downsample_scales_nearest: { x: X24, shape: [1, 1, 2, 4], inputs: { scales: f32([1, 1, 0.6, 0.6]) }, attrs: {}, out: [1, 1, 1, 2], want: [1, 3] },
  upsample_sizes_nearest: { x: X2, shape: [1, 1, 2, 2], inputs: { sizes: [1, 1, 7, 8] }, attrs: {}, out: [1, 1, 7, 8], want: rows([4, [1, 1, 1, 1, 2, 2, 2, 2]], [3, [3, 3, 3, 3, 4, 4, 4, 4]]) },
  downsample_sizes_nearest: { x: X24, shape: [1, 1, 2, 4], inputs: { sizes: [1, 1, 1, 3] }, attrs: {}, out: [1, 1, 1, 3], want: [1, 2, 4] },
  upsample_scales_linear: { x: X2, shape: [1, 1, 2, 2], inputs: { scales: [1, 1, 2, 2] }, attrs: { mode: 'linear' }, out: [1, 1, 4, 4], want: [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4] },
  upsample_scales_linear_align_corners: {
    x: X2, shape: [1, 1, 2, 2], inputs: { scales: [1, 1, 2, 2] }, attrs: { mode: 'linear', coord: 'align_corners' }, out: [1, 1, 4, 4],
    want: [1, 1.33333333, 1.66666667, 2, 1.66666667, 2, 2.33333333, 2.66666667, 2.33333333, 2.66666667, 3, 3.33333333, 3, 3.33333333, 3.66666667, 4],
  },
  downsample_scales_linear: { x: X24, shape: [1, 1, 2, 4], inputs: { scales: f32([1, 1, 0.6, 0.6]) }, attrs: { mode: 'linear' }, out: [1, 1, 1, 2], want: [2.6666665, 4.3333331] },
  downsample_scales_linear_align_corners: { x: X24, shape: [1, 1, 2, 4], inputs: { scales: f32([1, 1, 0.6, 0.6]) }, attrs: { mode: 'linear', coord: 'align_corners' }, out: [1, 1, 1, 2], want: [1, 3.142857] },
  downsample_scales_cubic: {
    x: X44, shape: [1, 1, 4, 4], inputs: { scales: f32([1, 1, 0.8, 0.8]) }, attrs: { mode: 'cubic' }, out: [1, 1, 3, 3],
    want: [1.47119141, 2.78125, 4.08251953, 6.71142578, 8.02148438, 9.32275391, 11.91650391, 13.2265625, 14.52783203],
  },
  downsample_sizes_cubic: {
    x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 3, 3] }, attrs: { mode: 'cubic' }, out: [1, 1, 3, 3],
    want: [1.63078704, 3.00462963, 4.37847222, 7.12615741, 8.5, 9.87384259, 12.62152778, 13.99537037, 15.36921296],
  },
  downsample_scales_cubic_A_n0p5_exclude_outside: {
    x: X44, shape: [1, 1, 4, 4], inputs: { scales: f32([1, 1, 0.8, 0.8]) }, attrs: { mode: 'cubic', cubicA: -0.5, excludeOutside: true }, out: [1, 1, 3, 3],
    want: [1.36812675, 2.6695014, 4.0133367, 6.57362535, 7.875, 9.2188353, 11.94896657, 13.25034122, 14.59417652],
  },
  tf_crop_and_resize: {
    x: X44, shape: [1, 1, 4, 4], inputs: { roi: f32([0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8]), sizes: [1, 1, 3, 3] }, attrs: { mode: 'linear', coord: 'tf_crop_and_resize' }, out: [1, 1, 3, 3],
    want: [7.6000004, 7.9, 8.2, 8.8, 9.1, 9.400001, 10, 10.3, 10.6],
  },
  tf_crop_and_resize_extrapolation_value: {
    x: X44, shape: [1, 1, 4, 4], inputs: { roi: f32([0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7]), sizes: [1, 1, 3, 3] }, attrs: { mode: 'linear', coord: 'tf_crop_and_resize', extrapolation: 10 }, out: [1, 1, 3, 3],
    want: [7.6000004, 10, 10, 12.400001, 10, 10, 10, 10, 10],
  },
  tf_crop_and_resize_axes_3_2: {
    x: X44, shape: [1, 1, 4, 4], inputs: { roi: f32([0.6, 0.4, 0.8, 0.6]), sizes: [3, 3], axes: [3, 2] }, attrs: { mode: 'linear', coord: 'tf_crop_and_resize' }, out: [1, 1, 3, 3],
    want: [7.6000004, 7.9, 8.2, 8.8, 9.1, 9.400001, 10, 10.3, 10.6],
  },
  downsample_sizes_linear_pytorch_half_pixel: { x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 3, 1] }, attrs: { mode: 'linear', coord: 'pytorch_half_pixel' }, out: [1, 1, 3, 1], want: [1.6666666, 7, 12.333333] },
  upsample_sizes_nearest_floor_align_corners: {
    x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 8, 8] }, attrs: { coord: 'align_corners', nearest: 'floor' }, out: [1, 1, 8, 8],
    want: rows([3, [1, 1, 1, 2, 2, 3, 3, 4]], [2, [5, 5, 5, 6, 6, 7, 7, 8]], [2, [9, 9, 9, 10, 10, 11, 11, 12]], [1, [13, 13, 13, 14, 14, 15, 15, 16]]),
  },
  upsample_sizes_nearest_round_prefer_ceil_asymmetric: {
    x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 8, 8] }, attrs: { coord: 'asymmetric', nearest: 'round_prefer_ceil' }, out: [1, 1, 8, 8],
    want: rows([1, [1, 2, 2, 3, 3, 4, 4, 4]], [2, [5, 6, 6, 7, 7, 8, 8, 8]], [2, [9, 10, 10, 11, 11, 12, 12, 12]], [3, [13, 14, 14, 15, 15, 16, 16, 16]]),
  },
  upsample_sizes_nearest_ceil_half_pixel: {
    x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 8, 8] }, attrs: { nearest: 'ceil' }, out: [1, 1, 8, 8],
    want: rows([1, [1, 2, 2, 3, 3, 4, 4, 4]], [2, [5, 6, 6, 7, 7, 8, 8, 8]], [2, [9, 10, 10, 11, 11, 12, 12, 12]], [3, [13, 14, 14, 15, 15, 16, 16, 16]]),
  },
  downsample_scales_linear_antialias: { x: X44, shape: [1, 1, 4, 4], inputs: { scales: f32([1, 1, 0.6, 0.6]) }, attrs: { mode: 'linear', antialias: true }, out: [1, 1, 2, 2], want: [2.875, 4.5, 9.375, 11] },
  downsample_sizes_linear_antialias: {
    x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 3, 3] }, attrs: { mode: 'linear', antialias: true }, out: [1, 1, 3, 3],
    want: [2.3636363, 3.590909, 4.818182, 7.2727275, 8.5, 9.727273, 12.181818, 13.409091, 14.636364],
  },
  downsample_scales_cubic_antialias: { x: X44, shape: [1, 1, 4, 4], inputs: { scales: f32([1, 1, 0.6, 0.6]) }, attrs: { mode: 'cubic', antialias: true }, out: [1, 1, 2, 2], want: [2.5180721, 4.2858863, 9.589329, 11.357142] },
  downsample_sizes_cubic_antialias: {
    x: X44, shape: [1, 1, 4, 4], inputs: { sizes: [1, 1, 3, 3] }, attrs: { mode: 'cubic', antialias: true }, out: [1, 1, 3, 3],
    want: [1.7750092, 3.1200073, 4.4650054, 7.1550016, 8.5, 9.844998, 12.534994, 13.8799925, 15.224991],
  },
  upsample_scales_nearest_axes_3_2: { x: X2, shape: [1, 1, 2, 2], inputs: { scales: [3, 2], axes: [3, 2] }, attrs: {}, out: [1, 1, 4, 6], want: rows([2, [1, 1, 1, 2, 2, 2]], [2, [3, 3, 3, 4, 4, 4]]) },
  upsample_sizes_nearest_not_larger: {
    x: X2, shape: [1, 1, 2, 2], inputs: { sizes: [7, 8], axes: [2, 3] }, attrs: { keepAspect: 'not_larger' }, out: [1, 1, 7, 7],
    want: rows([4, [1, 1, 1, 1, 2, 2, 2]], [3, [3, 3, 3, 3, 4, 4, 4]]),
  },
  downsample_sizes_nearest_not_smaller: { x: X24, shape: [1, 1, 2, 4], inputs: { sizes: [1, 3], axes: [2, 3] }, attrs: { keepAspect: 'not_smaller' }, out: [1, 1, 2, 3], want: [1, 2, 4, 5, 6, 8] },
  downsample_scales_linear_half_pixel_symmetric: { x: X2, shape: [1, 1, 1, 4], inputs: { scales: f32([1, 1, 1, 0.6]) }, attrs: { mode: 'linear', coord: 'half_pixel_symmetric' }, out: [1, 1, 1, 2], want: [1.6666667, 3.3333333] },
  upsample_scales_linear_half_pixel_symmetric: {
    x: X2, shape: [1, 1, 2, 2], inputs: { scales: f32([1, 1, 2.3, 2.94]) }, attrs: { mode: 'linear', coord: 'half_pixel_symmetric' }, out: [1, 1, 4, 5],
    want: [1, 1.15986395, 1.5, 1.84013605, 2, 1.56521738, 1.72508133, 2.06521738, 2.40535343, 2.56521738, 2.43478262, 2.59464657, 2.93478262, 3.27491867, 3.43478262, 3, 3.15986395, 3.5, 3.84013605, 4],
  },
};

describe('Resize reference vs the ONNX test cases', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const spec = resizeSpec(c.shape, c.inputs, { ...RESIZE_DEFAULTS, ...c.attrs });
      expect(spec.outShape).toEqual(c.out);
      expectClose(resampleRef(c.x, spec), c.want, { rtol: 1e-6, atol: 1e-6 }, name);
    });
  }

  it('first rows of the upsampling cubic cases', () => {
    const row = (inputs: ResizeInputs, attrs: Partial<ResizeAttrs>, n: number) => [...resampleRef(X44, resizeSpec([1, 1, 4, 4], inputs, { ...RESIZE_DEFAULTS, mode: 'cubic', ...attrs }))].slice(0, n);
    expectClose(row({ scales: [1, 1, 2, 2] }, {}, 8), [0.47265625, 0.76953125, 1.24609375, 1.875, 2.28125, 2.91015625, 3.38671875, 3.68359375], { rtol: 1e-6, atol: 1e-6 }, 'upsample_scales_cubic');
    expectClose(row({ scales: [1, 1, 2, 2] }, { coord: 'asymmetric' }, 8), [1, 1.40625, 2, 2.5, 3, 3.59375, 4, 4.09375], { rtol: 1e-6, atol: 1e-6 }, 'upsample_scales_cubic_asymmetric');
    expectClose(row({ scales: [1, 1, 2, 2] }, { coord: 'align_corners' }, 8), [1, 1.34110787, 1.80029155, 2.32944606, 2.67055394, 3.19970845, 3.65889213, 4], { rtol: 1e-6, atol: 1e-6 }, 'upsample_scales_cubic_align_corners');
    expectClose(row({ sizes: [1, 1, 9, 10] }, {}, 10), [0.45507922, 0.64057922, 0.97157922, 1.42257922, 1.90732922, 2.22332922, 2.70807922, 3.15907922, 3.49007922, 3.67557922], { rtol: 1e-6, atol: 1e-6 }, 'upsample_sizes_cubic');
    expectClose(row({ scales: [1, 1, 2, 2] }, { cubicA: -0.5, excludeOutside: true }, 8), [0.55882353, 0.81494204, 1.35698249, 1.89705882, 2.39705882, 2.93713516, 3.47917561, 3.73529412], { rtol: 1e-6, atol: 1e-6 }, 'upsample_scales_cubic_A_n0p5_exclude_outside');
  });

  it('rejects what ONNX rejects', () => {
    expect(() => resizeSpec([1, 1, 2, 2], { scales: [1, 1, 2, 2], sizes: [1, 1, 4, 4] }, RESIZE_DEFAULTS)).toThrow(/exactly one/);
    expect(() => resizeSpec([1, 1, 2, 2], { scales: [2, 2] }, RESIZE_DEFAULTS)).toThrow(/2 scales for 4 axes/);
    expect(() => resizeSpec([1, 1, 2, 2], { scales: [1, 1, 0, 2] }, RESIZE_DEFAULTS)).toThrow(/positive/);
    expect(() => resizeSpec([1, 2], { scales: [1, 2] }, { ...RESIZE_DEFAULTS, coord: 'bogus' })).toThrow(/coordinate_transformation_mode/);
  });
});
