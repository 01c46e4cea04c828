// Resize (opsets 10–19) and Upsample (7, 9): every form lowers to the separable resampling kernel
// (shaders/resample.wgsl) with tap tables computed at plan time in float64 (src/ref/resize.ts).
import { packResampleTable, resample } from '../../gpu/kernels/resample';
import { resampleRef, type ResampleSpec } from '../../ref/resample';
import { resizeSpec, RESIZE_DEFAULTS, type ResizeAttrs, type ResizeInputs } from '../../ref/resize';
import type { LowerCtx, OpCtx, OpDef } from './op';

function modeOf(c: OpCtx): ResizeAttrs['mode'] {
  const m = c.string('mode', 'nearest').toLowerCase();
  if (m === 'nearest' || m === 'linear' || m === 'cubic') return m;
  if (m === 'bilinear' && c.node.opType === 'Upsample') return 'linear';
  return c.fail(`mode "${m}" is not an ONNX ${c.node.opType} mode`);
}

/** Attributes and constant inputs of a Resize or Upsample node, in the opset's form. */
function resizeArgs(c: OpCtx): { inputs: ResizeInputs; attrs: ResizeAttrs } {
  const mode = modeOf(c);
  const list = (i: number, what: string) => {
    const v = c.constInput(i, `${c.node.opType} ${what}`);
    return v && v.length ? [...v] : undefined;
  };
  // Upsample and Resize-10: scales only, asymmetric coordinates, floor/ceil nearest (onnxruntime's rule)
  if (c.node.opType === 'Upsample' || c.opset < 11) {
    const scales = c.node.opType === 'Upsample' && c.opset < 9 ? c.floats('scales') : list(1, 'scales');
    if (!scales) c.fail('scales are required');
    return { inputs: { scales }, attrs: { ...RESIZE_DEFAULTS, mode, coord: 'asymmetric', nearest: 'legacy' } };
  }
  if (c.opset < 18 && (c.has('antialias') || c.has('axes') || c.has('keep_aspect_ratio_policy'))) c.fail('antialias, axes and keep_aspect_ratio_policy need opset 18');
  return {
    inputs: { roi: list(1, 'roi'), scales: list(2, 'scales'), sizes: list(3, 'sizes'), axes: c.ints('axes') },
    attrs: {
      mode,
      coord: c.string('coordinate_transformation_mode', 'half_pixel'),
      nearest: c.string('nearest_mode', 'round_prefer_floor'),
      cubicA: c.float('cubic_coeff_a', -0.75),
      excludeOutside: c.int('exclude_outside', 0) === 1,
      extrapolation: c.float('extrapolation_value', 0),
      antialias: c.int('antialias', 0) === 1,
      keepAspect: c.string('keep_aspect_ratio_policy', 'stretch'),
    },
  };
}

function specOf(c: OpCtx): ResampleSpec {
  const { inputs, attrs } = resizeArgs(c);
  try {
    return resizeSpec(c.in(0).shape, inputs, attrs);
  } catch (e) {
    return c.fail((e as Error).message);
  }
}

/** Lower a resampling of input 0 into output 0 (shared with Tile and Gather). */
export function lowerResample(c: OpCtx, l: LowerCtx, spec: ResampleSpec, view = false): void {
  c.requireFloat(0);
  const packed = packResampleTable(spec);
  const table = l.constant(`${c.node.name || c.node.outputs[0]}.taps[${spec.inShape}]`, [packed.length / 2, 2], packed);
  const x = l.input(0);
  const y = l.output(0);
  l.emit(resample(l.gpu, view ? { buffer: x.buffer, shape: spec.inShape } : x, view ? { buffer: y.buffer, shape: spec.outShape } : y, spec, table));
}

const resizeDef: OpDef = {
  infer: (c) => [{ shape: specOf(c).outShape, dtype: c.in(0).dtype }],
  fold: (c) => [resampleRef(c.in(0).values!(), specOf(c))],
  gpu: (c, l) => lowerResample(c, l, specOf(c)),
};

export const resizeOps: Record<string, OpDef> = { Resize: resizeDef, Upsample: resizeDef };
