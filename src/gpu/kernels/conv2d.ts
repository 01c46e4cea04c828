// Typed wrapper over shaders/conv2d.wgsl: ONNX Conv with groups, strides, asymmetric pads,
// dilations, optional bias and a fused Relu/Clip. Shapes travel in uniforms: one pipeline per variant.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';

export interface ConvActivation {
  kind: 'none' | 'relu' | 'clip';
  /** Clip bounds; a missing one is unbounded (ONNX Clip defaults). */
  min?: number;
  max?: number;
}

/** 'auto' picks depthwise when group == C == M, else tiled; 'naive' exists as a benchmark baseline. */
export type ConvVariant = 'auto' | 'tiled' | 'depthwise' | 'naive';

export interface ConvParams {
  strides: [number, number];
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
  activation?: ConvActivation;
  variant?: ConvVariant;
}

const VARIANTS = { tiled: 0, depthwise: 1, naive: 2 } as const;
const ACTS = { none: 0, relu: 1, clip: 2 } as const;
const F32_MAX = 3.4028234663852886e38;
const WG = 64;

/** [N, M, oH, oW] of a Conv over x [N,C,H,W] with w [M, C/group, kH, kW]. */
export function convOutputShape(xShape: number[], wShape: number[], p: Pick<ConvParams, 'strides' | 'pads' | 'dilations'>): number[] {
  const [N, , H, W] = xShape;
  const [M, , kH, kW] = wShape;
  const [sH, sW] = p.strides;
  const [t, l, b, r] = p.pads;
  const [dH, dW] = p.dilations;
  const oH = Math.floor((H + t + b - dH * (kH - 1) - 1) / sH) + 1;
  const oW = Math.floor((W + l + r - dW * (kW - 1) - 1) / sW) + 1;
  return [N, M, oH, oW];
}

/**
 * A planned Conv. The GEMM variant reads `packed`, a copy of w in the layout [group][K][MgP] made by
 * `pack`; conv2d() runs `pack` once when planning. If w's contents change later (calibration,
 * AdaRound), run `pack` again before `conv`, or keep the weights in the packed layout throughout.
 */
export interface ConvPlan {
  conv: Dispatch;
  pack: Dispatch | null;
  packed: GpuTensor | null;
  variant: Exclude<ConvVariant, 'auto'>;
}

/**
 * y = act(conv(x, w) + bias); x [N,C,H,W], w [M, C/group, kH, kW], bias [M] or null, y [N,M,oH,oW].
 * The GEMM variant packs w once, now: w must already hold its values (as uploaded constants do).
 * For weights computed or updated at run time, use conv2dPlan and run `pack` before `conv`.
 */
export function conv2d(gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor, p: ConvParams): Dispatch {
  const plan = conv2dPlan(gpu, x, w, bias, y, p);
  if (plan.pack) gpu.encode([plan.pack]); // submitted now, so it precedes every later run of plan.conv
  return plan.conv;
}

/** The Conv's dispatches and its plan-time buffers (uniforms, tap table, packed weights), built once. */
export function conv2dPlan(gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor, p: ConvParams): ConvPlan {
  const [N, C, H, W] = x.shape;
  const [M, Cg, kH, kW] = w.shape;
  const { group } = p;
  const label = `conv2d ${x.shape.join('x')} * ${w.shape.join('x')} g${group}`;
  if (x.shape.length !== 4 || w.shape.length !== 4 || Cg * group !== C || M % group !== 0) {
    throw new Error(`${label}: x must be [N,C,H,W] and w [M, C/group, kH, kW] with M divisible by group`);
  }
  const want = convOutputShape(x.shape, w.shape, p);
  if (y.shape.join() !== want.join()) throw new Error(`${label}: y is [${y.shape}], expected [${want}]`);
  if (want[2] < 1 || want[3] < 1) throw new Error(`${label}: the padded input is smaller than the dilated kernel (output [${want}])`);
  if (bias && bias.shape.reduce((a, b) => a * b, 1) !== M) throw new Error(`${label}: bias must have ${M} values`);
  const [oH, oW] = [want[2], want[3]];
  const Mg = M / group;
  const K = Cg * kH * kW;
  const oHW = oH * oW;
  const depthwise = group === C && group === M;
  const variant = p.variant && p.variant !== 'auto' ? p.variant : depthwise ? 'depthwise' : 'tiled';
  if (variant === 'depthwise' && !depthwise) throw new Error(`${label}: the depthwise variant needs group == C == M`);
  // GEMM variant: lanesM invocations across channels (8 each), 64/lanesM across pixels (4 each).
  const lanesM = Math.min(8, 2 ** Math.ceil(Math.log2(Math.ceil(Mg / 8))));
  const MgP = Math.ceil(Mg / 8) * 8;
  const pBlocks = Math.ceil((N * oHW) / (4 * (WG / lanesM)));
  const items = variant === 'depthwise' ? N * M * oH * Math.ceil(oW / 4) : N * M * oHW;
  const groups = variant === 'tiled' ? pBlocks * group * Math.ceil(Mg / (8 * lanesM)) : Math.ceil(items / WG);
  const a = p.activation ?? { kind: 'none' };
  const lo = a.kind === 'relu' ? 0 : a.kind === 'clip' ? Math.max(a.min ?? -F32_MAX, -F32_MAX) : -F32_MAX;
  const hi = a.kind === 'clip' ? Math.min(a.max ?? F32_MAX, F32_MAX) : F32_MAX;
  const [sH, sW] = p.strides;
  const [dH, dW] = p.dilations;
  const ints = [N, C, H, W, M, oH, oW, kH, kW, sH, sW, p.pads[0], p.pads[1], dH, dW, group, Cg, Mg, K, MgP, oHW, pBlocks, lanesM, items];
  const u = gpu.uniform(label, ints, [lo, hi]);
  const constants = { VARIANT: VARIANTS[variant], HAS_BIAS: bias ? 1 : 0, ACT: ACTS[a.kind] };
  if (variant !== 'tiled') {
    const b = (bias ?? w).buffer;
    const conv = gpu.dispatch('conv2d', [x.buffer, w.buffer, b, y.buffer, u, w.buffer, w.buffer], grid(groups), constants, label);
    return { conv, pack: null, packed: null, variant };
  }
  const taps = new Int32Array(K * 4);
  for (let k = 0; k < K; k++) {
    const [c, kh, kw] = [Math.floor(k / (kH * kW)), Math.floor(k / kW) % kH, k % kW];
    taps.set([kh * dH, kw * dW, (c * H + kh * dH) * W + kw * dW, 0], k * 4);
  }
  const tapBuf = gpu.tensor(`${label}.taps`, [K * 4], taps).buffer;
  const packed = gpu.tensor(`${label}.packed-w`, [group, K, MgP]);
  const packU = gpu.uniform(`${label}.pack`, [group, K, Mg, MgP]);
  const pack = gpu.dispatch('conv2d-pack-weights', [w.buffer, packed.buffer, packU], grid(Math.ceil((group * K * MgP) / WG)), {}, `${label}.pack`);
  const b = (bias ?? w).buffer;
  const conv = gpu.dispatch('conv2d', [x.buffer, w.buffer, b, y.buffer, u, packed.buffer, tapBuf], grid(groups), constants, label);
  return { conv, pack, packed, variant };
}
