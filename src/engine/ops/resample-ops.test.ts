// Resize (opsets 10–19), Upsample (7, 9), Split (11, 13, 18) and Tile as single-node models in the
// engine vs onnxruntime-node, on fresh random data: the node configurations of ONNX's own test cases
// (onnx/backend/test/case/node/{resize,upsample,split,tile}.py), which the shared conformance subset
// lacks, plus the LR-ASPP head's Resize. Where onnxruntime departs from the ONNX reference the case
// compares with the float64 reference instead (ONNX_ONLY, each with its reason).
import { describe, expect, it } from 'vitest';
import type { Attr, Model, Node } from '../../graph/ir';
import { DT, makeTensor } from '../../onnx/dtype';
import { writeModel } from '../../onnx/write';
import { Session } from '../session';
import { resampleRef } from '../../ref/resample';
import { resizeSpec, type ResizeAttrs } from '../../ref/resize';
import { ortRun } from '../../test/qdq-reference';
import { expectClose, freshSeed, randArray, rng, size, testGpu } from '../../test/helpers';

/** ONNX conformance tolerance (src/engine/conformance.ts). */
const TOL = { rtol: 1e-4, atol: 1e-5 };

type Const = { f?: number[]; i?: number[] } | '';
interface Case {
  op: string;
  opset: number;
  x: number[];
  inputs?: Const[];
  attrs?: Record<string, Attr>;
  outputs?: number;
}

const s = (value: string): Attr => ({ type: 'string', value });
const n = (value: number): Attr => ({ type: 'int', value });
const f = (value: number): Attr => ({ type: 'float', value });
const ints = (value: number[]): Attr => ({ type: 'ints', value });
const X2 = [1, 1, 2, 2];
const X24 = [1, 1, 2, 4];
const X44 = [1, 1, 4, 4];
const scales = (v: number[]): Const[] => ['', { f: v }];
const sizes = (v: number[]): Const[] => ['', '', { i: v }];
const linear = { mode: s('linear') };
const cubic = { mode: s('cubic') };
const coord = (v: string) => ({ coordinate_transformation_mode: s(v) });
const R = (x: number[], inputs: Const[], attrs: Record<string, Attr> = {}, opset = 19): Case => ({ op: 'Resize', opset, x, inputs, attrs });

const CASES: Record<string, Case> = {
  resize_upsample_scales_nearest: R(X2, scales([1, 1, 2, 3])),
  resize_downsample_scales_nearest: R(X24, scales([1, 1, 0.6, 0.6])),
  resize_upsample_sizes_nearest: R(X2, sizes([1, 1, 7, 8])),
  resize_downsample_sizes_nearest: R(X24, sizes([1, 1, 1, 3])),
  resize_upsample_scales_linear: R(X2, scales([1, 1, 2, 2]), linear),
  resize_upsample_scales_linear_align_corners: R(X2, scales([1, 1, 2, 2]), { ...linear, ...coord('align_corners') }),
  resize_downsample_scales_linear: R(X24, scales([1, 1, 0.6, 0.6]), linear),
  resize_downsample_scales_linear_align_corners: R(X24, scales([1, 1, 0.6, 0.6]), { ...linear, ...coord('align_corners') }),
  resize_upsample_scales_cubic: R(X44, scales([1, 1, 2, 2]), cubic),
  resize_upsample_scales_cubic_align_corners: R(X44, scales([1, 1, 2, 2]), { ...cubic, ...coord('align_corners') }),
  resize_downsample_scales_cubic: R(X44, scales([1, 1, 0.8, 0.8]), cubic),
  resize_downsample_scales_cubic_align_corners: R(X44, scales([1, 1, 0.8, 0.8]), { ...cubic, ...coord('align_corners') }),
  resize_upsample_sizes_cubic: R(X44, sizes([1, 1, 9, 10]), cubic),
  resize_downsample_sizes_cubic: R(X44, sizes([1, 1, 3, 3]), cubic),
  resize_upsample_scales_cubic_A_n0p5_exclude_outside: R(X44, scales([1, 1, 2, 2]), { ...cubic, cubic_coeff_a: f(-0.5), exclude_outside: n(1) }),
  resize_downsample_scales_cubic_A_n0p5_exclude_outside: R(X44, scales([1, 1, 0.8, 0.8]), { ...cubic, cubic_coeff_a: f(-0.5), exclude_outside: n(1) }),
  resize_upsample_scales_cubic_asymmetric: R(X44, scales([1, 1, 2, 2]), { ...cubic, ...coord('asymmetric') }),
  resize_tf_crop_and_resize: R(X44, [{ f: [0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8] }, '', { i: [1, 1, 3, 3] }], { ...linear, ...coord('tf_crop_and_resize') }),
  resize_tf_crop_and_resize_extrapolation_value: R(X44, [{ f: [0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7] }, '', { i: [1, 1, 3, 3] }], { ...linear, ...coord('tf_crop_and_resize'), extrapolation_value: f(10) }),
  resize_tf_crop_and_resize_axes_3_2: R(X44, [{ f: [0.6, 0.4, 0.8, 0.6] }, '', { i: [3, 3] }], { ...linear, ...coord('tf_crop_and_resize'), axes: ints([3, 2]) }),
  resize_downsample_sizes_linear_pytorch_half_pixel: R(X44, sizes([1, 1, 3, 1]), { ...linear, ...coord('pytorch_half_pixel') }),
  resize_upsample_sizes_nearest_floor_align_corners: R(X44, sizes([1, 1, 8, 8]), { ...coord('align_corners'), nearest_mode: s('floor') }),
  resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric: R(X44, sizes([1, 1, 8, 8]), { ...coord('asymmetric'), nearest_mode: s('round_prefer_ceil') }),
  resize_upsample_sizes_nearest_ceil_half_pixel: R(X44, sizes([1, 1, 8, 8]), { nearest_mode: s('ceil') }),
  resize_downsample_scales_linear_antialias: R(X44, scales([1, 1, 0.6, 0.6]), { ...linear, antialias: n(1) }),
  resize_downsample_sizes_linear_antialias: R(X44, sizes([1, 1, 3, 3]), { ...linear, antialias: n(1) }),
  resize_downsample_scales_cubic_antialias: R(X44, scales([1, 1, 0.6, 0.6]), { ...cubic, antialias: n(1) }),
  resize_downsample_sizes_cubic_antialias: R(X44, sizes([1, 1, 3, 3]), { ...cubic, antialias: n(1) }),
  resize_upsample_scales_nearest_axes_2_3: R(X2, scales([2, 3]), { axes: ints([2, 3]) }),
  resize_upsample_scales_nearest_axes_3_2: R(X2, scales([3, 2]), { axes: ints([3, 2]) }),
  resize_upsample_sizes_nearest_axes_3_2: R(X2, sizes([8, 7]), { axes: ints([3, 2]) }),
  resize_upsample_sizes_nearest_not_larger: R(X2, sizes([7, 8]), { axes: ints([2, 3]), keep_aspect_ratio_policy: s('not_larger') }),
  resize_upsample_sizes_nearest_not_smaller: R(X2, sizes([7, 8]), { axes: ints([2, 3]), keep_aspect_ratio_policy: s('not_smaller') }),
  resize_downsample_sizes_nearest_not_larger: R(X24, sizes([1, 3]), { axes: ints([2, 3]), keep_aspect_ratio_policy: s('not_larger') }),
  resize_downsample_sizes_nearest_not_smaller: R(X24, sizes([1, 3]), { axes: ints([2, 3]), keep_aspect_ratio_policy: s('not_smaller') }),
  resize_downsample_scales_linear_half_pixel_symmetric: R([1, 1, 1, 4], scales([1, 1, 1, 0.6]), { ...linear, ...coord('half_pixel_symmetric') }),
  resize_upsample_scales_linear_half_pixel_symmetric: R(X2, scales([1, 1, 2.3, 2.94]), { ...linear, ...coord('half_pixel_symmetric') }),
  // opset 13 (torch.onnx.export's form: LR-ASPP's head) and 11 (roi and scales always present)
  resize_opset13_lraspp_head: R([1, 3, 28, 28], sizes([1, 3, 224, 224]), { ...linear, ...coord('half_pixel'), nearest_mode: s('floor') }, 13),
  resize_opset13_nearest_scales_2: R([2, 3, 5, 7], scales([1, 1, 2, 2]), { ...coord('asymmetric'), nearest_mode: s('floor') }, 13),
  resize_opset11_linear_align_corners_sizes: R([1, 2, 5, 6], [{ f: [] }, { f: [] }, { i: [1, 2, 9, 11] }], { ...linear, ...coord('align_corners') }, 11),
  resize_opset11_nearest_tf_half_pixel_for_nn: R([1, 2, 5, 6], [{ f: [] }, { f: [1, 1, 1.5, 2] }], { ...coord('tf_half_pixel_for_nn') }, 11),
  // opset 10: scales only, asymmetric, onnxruntime's floor/ceil nearest
  resize_opset10_upsample_nearest: R(X2, [{ f: [1, 1, 2, 3] }], {}, 10),
  resize_opset10_downsample_nearest: R(X24, [{ f: [1, 1, 0.6, 0.6] }], {}, 10),
  resize_opset10_upsample_linear: R([1, 2, 3, 4], [{ f: [1, 1, 2, 1.5] }], linear, 10),
  upsample_nearest_opset9: { op: 'Upsample', opset: 9, x: X2, inputs: [{ f: [1, 1, 2, 3] }], attrs: { mode: s('nearest') } },
  upsample_linear_opset9: { op: 'Upsample', opset: 9, x: [1, 2, 3, 4], inputs: [{ f: [1, 1, 2, 2] }], attrs: linear },
  upsample_nearest_opset7: { op: 'Upsample', opset: 7, x: [1, 2, 3, 4], attrs: { mode: s('nearest'), scales: { type: 'floats', value: [1, 1, 2, 3] } } },
  split_equal_parts_1d_opset13: { op: 'Split', opset: 13, x: [6], outputs: 3, attrs: { axis: n(0) } },
  split_equal_parts_2d_opset13: { op: 'Split', opset: 13, x: [2, 6], outputs: 2, attrs: { axis: n(1) } },
  split_equal_parts_default_axis_opset18: { op: 'Split', opset: 18, x: [6], outputs: 3, attrs: { num_outputs: n(3) } },
  split_variable_parts_2d_opset13: { op: 'Split', opset: 13, x: [2, 6], inputs: [{ i: [2, 4] }], outputs: 2, attrs: { axis: n(1) } },
  split_variable_parts_1d_opset18: { op: 'Split', opset: 18, x: [6], inputs: [{ i: [2, 4] }], outputs: 2 },
  split_1d_uneven_split_opset18: { op: 'Split', opset: 18, x: [7], outputs: 4, attrs: { num_outputs: n(4) } },
  split_2d_uneven_split_opset18: { op: 'Split', opset: 18, x: [2, 8], outputs: 3, attrs: { axis: n(1), num_outputs: n(3) } },
  split_attribute_opset11: { op: 'Split', opset: 11, x: [2, 3, 8], outputs: 3, attrs: { axis: n(-1), split: ints([1, 4, 3]) } },
  split_zero_size_part_opset13: { op: 'Split', opset: 13, x: [2, 5], inputs: [{ i: [0, 2, 3] }], outputs: 3, attrs: { axis: n(1) } },
  tile: { op: 'Tile', opset: 13, x: [2, 3, 4, 5], inputs: [{ i: [3, 1, 2, 2] }] },
  tile_precomputed: { op: 'Tile', opset: 13, x: [2, 2], inputs: [{ i: [2, 2] }] },
  gather_data_axis_1: { op: 'Gather', opset: 13, x: [2, 5, 3], inputs: [{ i: [4, -1, 0, 0] }], attrs: { axis: n(1) } },
};

/**
 * onnxruntime computes these differently from the ONNX reference (whose values resize.test.ts checks):
 * the engine follows ONNX here.
 */
const FRACTIONAL_ALIGN = 'align_corners with a fractional output length (scale·length): ONNX divides by scale·length − 1, onnxruntime (and PyTorch) by the integer length − 1';
const ONNX_ONLY: Record<string, string> = {
  resize_downsample_scales_linear_align_corners: FRACTIONAL_ALIGN,
  resize_downsample_scales_cubic_align_corners: FRACTIONAL_ALIGN,
};

/** The float64 reference of a Resize case (opset ≥ 11 form). */
function resizeReference(c: Case, xs: Float32Array): Float64Array {
  const a = (k: string) => (c.attrs?.[k] as { value: never } | undefined)?.value;
  const v = (k: number) => {
    const t = c.inputs?.[k];
    return t ? (t.f ?? t.i) : undefined;
  };
  const attrs: ResizeAttrs = {
    mode: a('mode') ?? 'nearest', coord: a('coordinate_transformation_mode') ?? 'half_pixel', nearest: a('nearest_mode') ?? 'round_prefer_floor', cubicA: a('cubic_coeff_a') ?? -0.75,
    excludeOutside: a('exclude_outside') === 1, extrapolation: a('extrapolation_value') ?? 0, antialias: a('antialias') === 1, keepAspect: a('keep_aspect_ratio_policy') ?? 'stretch',
  };
  return resampleRef(xs, resizeSpec(c.x, { roi: v(0), scales: v(1)?.map(Math.fround), sizes: v(2), axes: a('axes') }, attrs));
}

function model(c: Case): Model {
  const inputs = ['x', ...(c.inputs ?? []).map((v, i) => (v === '' ? '' : `in${i + 1}`))];
  const outs = Array.from({ length: c.outputs ?? 1 }, (_, j) => `y${j}`);
  const node: Node = { name: 'node', opType: c.op, domain: '', inputs, outputs: outs, attrs: c.attrs ?? {} };
  const inits = (c.inputs ?? []).flatMap((v, i) => (v === '' ? [] : [v.f ? makeTensor(`in${i + 1}`, DT.FLOAT, [v.f.length], v.f) : makeTensor(`in${i + 1}`, DT.INT64, [v.i!.length], v.i!)]));
  return {
    irVersion: 8, opsets: [{ domain: '', version: c.opset }], producerName: 'test', producerVersion: '', domain: '', modelVersion: 1, docString: '', metadata: [], passthrough: {},
    graph: { name: 'g', nodes: [node], inputs: [{ name: 'x', dataType: DT.FLOAT, shape: c.x }], outputs: outs.map((name) => ({ name, dataType: DT.FLOAT })), initializers: new Map(inits.map((t) => [t.name, t])), valueInfo: [], passthrough: {} },
  };
}

describe('resampling ops vs onnxruntime (ONNX test-case configurations)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const seed = freshSeed();
      const xs = randArray(size(c.x), rng(seed), -2, 2);
      const m = model(c);
      const session = await Session.fromModel(await testGpu(), m, name);
      try {
        const feeds = { x: { data: xs, shape: c.x } };
        const got = await session.run(feeds);
        expect(session.foldedOutputs(feeds), 'computed on the GPU').toEqual([]);
        const want = ONNX_ONLY[name] ? null : await ortRun(writeModel(m), feeds);
        for (const o of m.graph.outputs) {
          if (want) expectClose(got[o.name].data, want[o.name], TOL, `${name} ${o.name} (onnxruntime), seed ${seed}`);
          else expectClose(got[o.name].data, resizeReference(c, xs), TOL, `${name} (float64 reference: ${ONNX_ONLY[name]}), seed ${seed}`);
        }
      } finally {
        session.dispose();
      }
    });
  }
});
