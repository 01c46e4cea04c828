// ConvTranspose as a trained layer of a block: y = ConvTranspose(x, W) is the input gradient of the
// Conv C that maps y-shaped tensors back to x-shaped ones (weight layout [C_in, C_out/g, k…] is C's
// [M, C/g, k…]), so its backward is C itself: dx = C(dy, W), dW = C's weight gradient with dy as
// C's input and x as C's output gradient. 1-D problems run as 2-D ones of height 1.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import type { OpCtx } from '../engine/ops/op';
import { convTranspose } from '../gpu/kernels/conv-transpose';
import { conv2dPlan, type ConvParams } from '../gpu/kernels/conv2d';
import { conv2dGradWeight } from '../gpu/kernels/conv2d-grad';
import { convTransposeGeometry } from '../ref/conv-transpose';

const lift = (t: GpuTensor): GpuTensor => (t.shape.length === 3 ? { buffer: t.buffer, shape: [t.shape[0], t.shape[1], 1, t.shape[2]] } : t);

export interface ConvTransposeLayer {
  strides: number[];
  dilations: number[];
  group: number;
  /** ConvTranspose's [begin…, end…]. */
  pads: number[];
}

/** The node's attributes resolved for its (batch-adjusted) input shape. */
export function convTransposeLayer(c: OpCtx): ConvTransposeLayer {
  const x = c.in(0).shape;
  const w = c.in(1).shape;
  const r = x.length - 2;
  if (r !== 1 && r !== 2) c.unsupported(`${r}-D ConvTranspose is not supported in reconstruction (1-D and 2-D are)`);
  const ones = () => new Array<number>(r).fill(1);
  const strides = c.ints('strides') ?? ones();
  const dilations = c.ints('dilations') ?? ones();
  const g = convTransposeGeometry(x.slice(2), {
    kernel: c.ints('kernel_shape') ?? w.slice(2),
    strides,
    dilations,
    outputPadding: c.ints('output_padding') ?? new Array<number>(r).fill(0),
    pads: c.ints('pads'),
    autoPad: c.string('auto_pad', 'NOTSET'),
    outputShape: c.ints('output_shape'),
  });
  return { strides, dilations, group: c.int('group', 1), pads: g.pads };
}

/** The Conv from y back to x (same begin pads; end pads so that its output is exactly x's size). */
function backConv(p: ConvTransposeLayer, x: GpuTensor, w: GpuTensor, y: GpuTensor): ConvParams {
  const r = x.shape.length - 2;
  const pair = (v: number[], fill: number): [number, number] => (r === 1 ? [fill, v[0]] : [v[0], v[1]]);
  const [, , H, W] = lift(x).shape;
  const [, , kH, kW] = lift(w).shape;
  const [, , oH, oW] = lift(y).shape;
  const [sH, sW] = pair(p.strides, 1);
  const [dH, dW] = pair(p.dilations, 1);
  const [pT, pL] = r === 1 ? [0, p.pads[0]] : [p.pads[0], p.pads[1]];
  const pB = sH * (H - 1) + dH * (kH - 1) + 1 - oH - pT;
  const pR = sW * (W - 1) + dW * (kW - 1) + 1 - oW - pL;
  return { strides: [sH, sW], dilations: [dH, dW], group: p.group, pads: [pT, pL, pB, pR] };
}

export function convTransposeForward(gpu: Gpu, p: ConvTransposeLayer, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor, scratch: GpuTensor | null): Dispatch[] {
  return convTranspose(gpu, x, w, bias, y, { strides: p.strides, dilations: p.dilations, group: p.group, pads: p.pads }, scratch);
}

/**
 * ∂L/∂W into dw (when given) and ∂L/∂x into dx (when given). The kernels' uniforms, scratch and packed
 * weights are made through `gpu`: a block program frees them with everything else it made (Gpu.madeSince).
 */
export function convTransposeBackward(gpu: Gpu, p: ConvTransposeLayer, x: GpuTensor, w: GpuTensor, dy: GpuTensor, dw: GpuTensor | null, dx: GpuTensor | null): Dispatch[] {
  const conv = backConv(p, x, w, dy);
  const out: Dispatch[] = [];
  if (dw) out.push(...conv2dGradWeight(gpu, lift(dy), lift(x), lift(dw), conv));
  if (dx) {
    const plan = conv2dPlan(gpu, lift(dy), lift(w), null, lift(dx), conv);
    if (plan.pack) out.push(plan.pack);
    out.push(plan.conv);
  }
  return out;
}
