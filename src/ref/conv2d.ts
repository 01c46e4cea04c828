// Float64 reference of ONNX Conv (NCHW, groups, strides, pads, dilations, bias) with the fused
// Relu/Clip of shaders/conv2d.wgsl; the direct seven-loop definition, no tricks.
import { convOutputShape, type ConvParams } from '../gpu/kernels/conv2d';

export { convOutputShape };

/** y = act(conv(x, w) + bias) for x [N,C,H,W], w [M, C/group, kH, kW]; y [N, M, oH, oW]. */
export function conv2dRef(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  bias: ArrayLike<number> | null,
  p: ConvParams,
): { data: Float64Array; shape: number[] } {
  const [N, C, H, W] = xShape;
  const [M, Cg, kH, kW] = wShape;
  const shape = convOutputShape(xShape, wShape, p);
  const [, , oH, oW] = shape;
  const [sH, sW] = p.strides;
  const [padT, padL] = p.pads;
  const [dH, dW] = p.dilations;
  const Mg = M / p.group;
  if (Cg * p.group !== C || Mg * p.group !== M) throw new Error(`conv2dRef: C=${C}, M=${M} do not split into ${p.group} groups`);
  const lo = p.activation?.kind === 'relu' ? 0 : p.activation?.kind === 'clip' ? (p.activation.min ?? -Infinity) : -Infinity;
  const hi = p.activation?.kind === 'clip' ? (p.activation.max ?? Infinity) : Infinity;
  const y = new Float64Array(N * M * oH * oW);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      for (let oh = 0; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++) {
          let s = bias ? bias[m] : 0;
          for (let c = 0; c < Cg; c++) {
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * sH - padT + kh * dH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * sW - padL + kw * dW;
                if (iw < 0 || iw >= W) continue;
                s += x[((n * C + g * Cg + c) * H + ih) * W + iw] * w[((m * Cg + c) * kH + kh) * kW + kw];
              }
            }
          }
          y[((n * M + m) * oH + oh) * oW + ow] = Math.min(Math.max(s, lo), hi);
        }
      }
    }
  }
  return { data: y, shape };
}
