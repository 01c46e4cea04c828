// ConvTranspose forward on the GPU: it is the input gradient of the Conv that maps y back to x, so it
// runs on conv2dGradInput (GEMM family for stride 1, the direct kernel otherwise), plus a bias Add.
import type { Dispatch, Gpu, GpuTensor } from '../gpu';
import { conv2dGradInput, type GradInputVariant } from './conv2d-grad';
import { binary } from './binary';

export interface ConvTransposeKernelParams {
  /** One value per spatial axis (1 or 2). */
  strides: number[];
  dilations: number[];
  group: number;
  /** ConvTranspose's [begin..., end...]; the output shape (y) already includes output_padding. */
  pads: number[];
}

/** A 1-D problem as a 2-D one of height 1. */
const lift = (t: GpuTensor): GpuTensor => (t.shape.length === 3 ? { buffer: t.buffer, shape: [t.shape[0], t.shape[1], 1, t.shape[2]] } : t);

/**
 * y [N, M, (oH,) oW] = ConvTranspose(x [N, C, (H,) W], w [C, M/group, (kH,) kW]) (+ bias [M]). With a
 * bias, `scratch` (y's shape) receives the product first. Returns the dispatches to run in order.
 */
export function convTranspose(gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor, p: ConvTransposeKernelParams, scratch: GpuTensor | null): Dispatch[] {
  const r = x.shape.length - 2;
  if ((r !== 1 && r !== 2) || w.shape.length !== r + 2 || y.shape.length !== r + 2) throw new Error(`ConvTranspose: x [${x.shape}], w [${w.shape}], y [${y.shape}] must all be 1-D or 2-D problems`);
  if (p.strides.length !== r || p.dilations.length !== r || p.pads.length !== 2 * r) throw new Error(`ConvTranspose: strides, dilations and pads need ${r}, ${r} and ${2 * r} values`);
  const pair = (v: number[], fill: number): [number, number] => (r === 1 ? [fill, v[0]] : [v[0], v[1]]);
  const [, , H, W] = lift(x).shape;
  const [, , kH, kW] = lift(w).shape;
  const [, M, oH, oW] = lift(y).shape;
  const [sH, sW] = pair(p.strides, 1);
  const [dH, dW] = pair(p.dilations, 1);
  const [pT, pL] = r === 1 ? [0, p.pads[0]] : [p.pads[0], p.pads[1]];
  // The Conv from y back to x: same begin pads; end pads chosen so its output is exactly H x W
  // (rows past its reach, from output_padding or a larger output_shape, receive nothing).
  const pB = sH * (H - 1) + dH * (kH - 1) + 1 - oH - pT;
  const pR = sW * (W - 1) + dW * (kW - 1) + 1 - oW - pL;
  const pads: [number, number, number, number] = [pT, pL, pB, pR];
  // the GEMM path runs a stride-1 conv with pads d·(k−1) − pad: it needs them ≥ 0
  const gemmOk = [pT, pB].every((v) => v <= dH * (kH - 1)) && [pL, pR].every((v) => v <= dW * (kW - 1));
  const variant: GradInputVariant = gemmOk ? 'auto' : 'direct';
  const geo = { strides: [sH, sW] as [number, number], dilations: [dH, dW] as [number, number], group: p.group, pads };
  if (!bias) return conv2dGradInput(gpu, lift(x), lift(w), lift(y), geo, variant);
  if (!scratch || scratch.shape.join() !== y.shape.join()) throw new Error(`ConvTranspose: a bias needs a scratch tensor of y's shape [${y.shape}]`);
  if (bias.shape.reduce((a, b) => a * b, 1) !== M) throw new Error(`ConvTranspose: bias has ${bias.shape} values for ${M} channels`);
  return [...conv2dGradInput(gpu, lift(x), lift(w), lift(scratch), geo, variant), binary(gpu, 'Add', lift(scratch), { buffer: bias.buffer, shape: [1, M, 1, 1] }, lift(y))];
}
