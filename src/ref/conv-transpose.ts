// ONNX ConvTranspose: output shape and pads from pads / auto_pad / output_shape / output_padding,
// and the float64 reference (every input pixel scatters its kernel into the output).
import { numel } from '../gpu/kernels/layout';

export interface ConvTransposeAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  outputPadding: number[];
  /** Explicit [begin..., end...] (auto_pad NOTSET). */
  pads?: number[];
  autoPad: string;
  /** Spatial output shape (the last `rank` values if the attribute gives more). */
  outputShape?: number[];
}

export interface ConvTransposeGeometry {
  /** Spatial output sizes. */
  out: number[];
  /** [begin..., end...] */
  pads: number[];
}

/**
 * out = s·(in−1) + output_padding + (k−1)·d + 1 − pad_begin − pad_end. With output_shape, or auto_pad
 * SAME_* (out = in·s), the pads follow from the total padding: SAME_UPPER puts the odd one at the end.
 */
export function convTransposeGeometry(inSpatial: readonly number[], a: ConvTransposeAttrs): ConvTransposeGeometry {
  const r = inSpatial.length;
  const span = inSpatial.map((n, i) => a.strides[i] * (n - 1) + a.outputPadding[i] + (a.kernel[i] - 1) * a.dilations[i] + 1);
  const given = a.outputShape?.length ? a.outputShape.slice(-r) : a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER' ? inSpatial.map((n, i) => n * a.strides[i]) : undefined;
  if (given) {
    if (given.length !== r) throw new Error(`ConvTranspose: output_shape [${a.outputShape}] has fewer than ${r} spatial sizes`);
    const begin: number[] = [];
    const end: number[] = [];
    given.forEach((out, i) => {
      const total = span[i] - out;
      const half = Math.floor(total / 2);
      begin.push(a.autoPad === 'SAME_UPPER' ? half : total - half);
      end.push(a.autoPad === 'SAME_UPPER' ? total - half : half);
    });
    return { out: [...given], pads: [...begin, ...end] };
  }
  if (a.autoPad !== 'NOTSET' && a.autoPad !== '' && a.autoPad !== 'VALID') throw new Error(`ConvTranspose: unknown auto_pad "${a.autoPad}"`);
  const pads = a.autoPad === 'VALID' ? new Array<number>(2 * r).fill(0) : (a.pads ?? new Array<number>(2 * r).fill(0));
  if (pads.length !== 2 * r) throw new Error(`ConvTranspose: ${pads.length} pads for ${r} spatial axes`);
  const out = span.map((v, i) => v - pads[i] - pads[r + i]);
  if (out.some((v) => v < 1)) throw new Error(`ConvTranspose: the output [${out}] is empty (pads [${pads}] exceed the span [${span}])`);
  return { out, pads };
}

export interface ConvTransposeParams {
  strides: number[];
  dilations: number[];
  group: number;
  /** [begin..., end...]: only the begin pads place the scatter; the output shape is given. */
  pads: number[];
}

/**
 * y [N, M, ...out] for x [N, C, ...in], w [C, M/group, ...k], bias [M] or null: 1-D or 2-D (a 1-D
 * problem is given with its own ranks, treated as height 1).
 */
export function convTransposeRef(
  x: ArrayLike<number>, xShape: number[], w: ArrayLike<number>, wShape: number[], bias: ArrayLike<number> | null, yShape: number[], p: ConvTransposeParams,
): Float64Array {
  const two = xShape.length === 4;
  const [N, C, H, W] = two ? xShape : [xShape[0], xShape[1], 1, xShape[2]];
  const [, Mg, kH, kW] = two ? wShape : [wShape[0], wShape[1], 1, wShape[2]];
  const [oH, oW] = two ? yShape.slice(2) : [1, yShape[2]];
  const [sH, sW] = two ? p.strides : [1, p.strides[0]];
  const [dH, dW] = two ? p.dilations : [1, p.dilations[0]];
  const [pT, pL] = two ? [p.pads[0], p.pads[1]] : [0, p.pads[0]];
  const Cg = C / p.group;
  const M = Mg * p.group;
  if (wShape[0] !== C || !Number.isInteger(Cg) || yShape[1] !== M) throw new Error(`convTransposeRef: x [${xShape}], w [${wShape}], y [${yShape}] with group ${p.group} disagree`);
  const y = new Float64Array(numel(yShape));
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const yBase = (n * M + m) * oH * oW;
      if (bias) y.fill(bias[m], yBase, yBase + oH * oW);
    }
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / Cg);
      for (let ih = 0; ih < H; ih++) {
        for (let iw = 0; iw < W; iw++) {
          const v = x[((n * C + c) * H + ih) * W + iw];
          for (let mg = 0; mg < Mg; mg++) {
            const m = g * Mg + mg;
            for (let kh = 0; kh < kH; kh++) {
              const oh = ih * sH - pT + kh * dH;
              if (oh < 0 || oh >= oH) continue;
              for (let kw = 0; kw < kW; kw++) {
                const ow = iw * sW - pL + kw * dW;
                if (ow < 0 || ow >= oW) continue;
                y[((n * M + m) * oH + oh) * oW + ow] += v * w[((c * Mg + mg) * kH + kh) * kW + kw];
              }
            }
          }
        }
      }
    }
  }
  return y;
}
