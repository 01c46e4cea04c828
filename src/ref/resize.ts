// ONNX Resize (opsets 10–19) and Upsample semantics as per-axis tap tables (src/ref/resample.ts):
// output size, coordinate transformation, nearest rounding, linear/cubic/antialias coefficients,
// following onnx/reference/ops/op_resize.py in float64 (the source of the conformance data).
import { type AxisMap, type ResampleSpec } from './resample';

export interface ResizeAttrs {
  mode: 'nearest' | 'linear' | 'cubic';
  /** coordinate_transformation_mode (opset ≤ 10 and Upsample: 'asymmetric'). */
  coord: string;
  /** nearest_mode; 'legacy' (opset ≤ 10, Upsample): floor when upsampling an axis, ceil when downsampling. */
  nearest: string;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
  antialias: boolean;
  keepAspect: string;
}

export const RESIZE_DEFAULTS: ResizeAttrs = {
  mode: 'nearest', coord: 'half_pixel', nearest: 'round_prefer_floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0, antialias: false, keepAspect: 'stretch',
};

export interface ResizeInputs {
  /** Per axis in `axes` (empty arrays count as absent). */
  scales?: readonly number[];
  sizes?: readonly number[];
  /** [starts..., ends...] per axis in `axes` (tf_crop_and_resize only). */
  roi?: readonly number[];
  axes?: readonly number[];
}

const COORDS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize', 'half_pixel_symmetric', 'tf_half_pixel_for_nn'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil', 'legacy'];

/** The original coordinate of output coordinate x (NaN when outside the crop of tf_crop_and_resize). */
function originalCoord(a: ResizeAttrs, x: number, inLen: number, outLen: number, scale: number, roi: [number, number]): number {
  const outW = scale * inLen; // the reference's float output width
  switch (a.coord) {
    case 'align_corners': return outW === 1 ? 0 : (x * (inLen - 1)) / (outW - 1);
    case 'asymmetric': return x / scale;
    case 'pytorch_half_pixel': return outW === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    case 'half_pixel_symmetric': {
      const offset = (inLen / 2) * (1 - outLen / outW);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'tf_crop_and_resize': {
      const [s, e] = roi;
      const v = (outW === 1 ? ((e - s) * (inLen - 1)) / 2 : (x * (e - s) * (inLen - 1)) / (outW - 1)) + s * (inLen - 1);
      return v < 0 || v > inLen - 1 ? NaN : v;
    }
    default: throw new Error(`Resize: unknown coordinate_transformation_mode "${a.coord}"`);
  }
}

function nearestIndex(mode: string, x: number, scale: number): number {
  const fl = Math.floor(x);
  const frac = x - fl;
  if (frac === 0) return x;
  switch (mode) {
    case 'round_prefer_floor': return frac <= 0.5 ? fl : fl + 1;
    case 'round_prefer_ceil': return frac < 0.5 ? fl : fl + 1;
    case 'floor': return fl;
    case 'ceil': return fl + 1;
    case 'legacy': return scale < 1 ? fl + 1 : fl;
    default: throw new Error(`Resize: unknown nearest_mode "${mode}"`);
  }
}

const cubicKernel = (A: number, d: number): number => {
  const x = Math.abs(d);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
};

/** Interpolation weights for taps at offsets start, start+1, … from the base index, given the fraction `ratio`. */
function coeffs(a: ResizeAttrs, ratio: number, scale: number): { start: number; w: number[] } {
  if (!a.antialias) {
    if (a.mode === 'linear') return { start: 0, w: [1 - ratio, ratio] };
    const A = a.cubicA;
    const r1 = 1 - ratio;
    return {
      start: -1,
      w: [((A * (ratio + 1) - 5 * A) * (ratio + 1) + 8 * A) * (ratio + 1) - 4 * A, ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1, ((A + 2) * r1 - (A + 3)) * r1 * r1 + 1, ((A * (r1 + 1) - 5 * A) * (r1 + 1) + 8 * A) * (r1 + 1) - 4 * A],
    };
  }
  // antialias: the filter stretched by 1/scale when downsampling, normalized
  const s = Math.min(scale, 1);
  const support = a.mode === 'linear' ? 1 : 2;
  const start = Math.floor(-support / s) + 1;
  const w: number[] = [];
  for (let i = start; i < 2 - start; i++) w.push(a.mode === 'linear' ? Math.max(0, 1 - Math.abs((i - ratio) * s)) : cubicKernel(a.cubicA, s * (i - ratio)));
  const sum = w.reduce((p, q) => p + q, 0);
  return { start, w: w.map((v) => v / sum) };
}

/** One axis's taps, or null when it is the identity. */
export function resizeAxis(a: ResizeAttrs, inLen: number, outLen: number, scale: number, roi: [number, number]): AxisMap | null {
  const nearest = a.mode === 'nearest';
  const taps = nearest ? 1 : coeffs(a, 0.5, scale).w.length;
  const idx = new Int32Array(outLen * taps);
  const w = new Float64Array(outLen * taps);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inLen - 1);
  let identity = outLen === inLen;
  for (let o = 0; o < outLen; o++) {
    const x = originalCoord(a, o, inLen, outLen, scale, roi);
    if (Number.isNaN(x)) {
      idx[o * taps] = -1; // outside: the extrapolation value
      identity = false;
      continue;
    }
    if (nearest) {
      idx[o] = clamp(nearestIndex(a.nearest, x, scale));
      w[o] = 1;
      identity &&= idx[o] === o;
      continue;
    }
    // the reference's neighbours: an integer x counts as base x−1 with ratio 1
    const base = Number.isInteger(x) ? x - 1 : Math.floor(x);
    const c = coeffs(a, x - base, scale);
    if (a.excludeOutside) {
      c.w.forEach((_, t) => {
        const i = base + c.start + t;
        if (i < 0 || i >= inLen) c.w[t] = 0;
      });
      const sum = c.w.reduce((p, q) => p + q, 0);
      c.w = c.w.map((v) => v / sum);
    }
    c.w.forEach((v, t) => {
      idx[o * taps + t] = clamp(base + c.start + t);
      w[o * taps + t] = v;
      if (v !== 0 && (idx[o * taps + t] !== o || v !== 1)) identity = false;
    });
  }
  return identity ? null : { taps, idx, w };
}

/** The resampling a Resize node performs on an input of shape inShape. */
export function resizeSpec(inShape: readonly number[], inputs: ResizeInputs, a: ResizeAttrs): ResampleSpec {
  const rank = inShape.length;
  if (!COORDS.includes(a.coord)) throw new Error(`Resize: unknown coordinate_transformation_mode "${a.coord}"`);
  if (a.mode === 'nearest' && !NEAREST.includes(a.nearest)) throw new Error(`Resize: unknown nearest_mode "${a.nearest}"`);
  const axes = (inputs.axes ?? inShape.map((_, k) => k)).map((d) => (d < 0 ? d + rank : d));
  if (axes.some((d) => d < 0 || d >= rank) || new Set(axes).size !== axes.length) throw new Error(`Resize: axes [${inputs.axes}] are invalid for rank ${rank}`);
  const sizesIn = inputs.sizes?.length ? inputs.sizes : undefined;
  const scalesIn = inputs.scales?.length ? inputs.scales : undefined;
  if (!sizesIn === !scalesIn) throw new Error('Resize: exactly one of scales and sizes must be given');
  const given = (sizesIn ?? scalesIn)!;
  if (given.length !== axes.length) throw new Error(`Resize: ${given.length} ${sizesIn ? 'sizes' : 'scales'} for ${axes.length} axes`);
  const scales = inShape.map(() => 1);
  const out = [...inShape];
  const roi = inShape.map((): [number, number] => [0, 1]);
  if (inputs.roi?.length && a.coord === 'tf_crop_and_resize') {
    if (inputs.roi.length !== 2 * axes.length) throw new Error(`Resize: roi has ${inputs.roi.length} values for ${axes.length} axes`);
    axes.forEach((d, i) => (roi[d] = [inputs.roi![i], inputs.roi![axes.length + i]]));
  }
  axes.forEach((d, i) => {
    const v = given[i];
    if (sizesIn) {
      if (!(v >= 0) || !Number.isInteger(v)) throw new Error(`Resize: size ${v} is not a whole number ≥ 0`);
      out[d] = v;
      scales[d] = v / inShape[d];
    } else {
      if (!(v > 0)) throw new Error(`Resize: scale ${v} must be positive`);
      scales[d] = v;
      out[d] = Math.floor(v * inShape[d]);
    }
  });
  if (sizesIn && a.keepAspect !== 'stretch') {
    if (a.keepAspect !== 'not_larger' && a.keepAspect !== 'not_smaller') throw new Error(`Resize: unknown keep_aspect_ratio_policy "${a.keepAspect}"`);
    const pick = axes.map((d) => scales[d]);
    const s = a.keepAspect === 'not_larger' ? Math.min(...pick) : Math.max(...pick);
    for (const d of axes) {
      scales[d] = s;
      out[d] = Math.floor(s * inShape[d] + 0.5);
    }
  }
  return {
    inShape: [...inShape],
    outShape: out,
    axes: inShape.map((len, d) => resizeAxis(a, len, out[d], scales[d], roi[d])),
    extrapolation: a.extrapolation,
  };
}
