// Typed wrapper over shaders/conv2d.wgsl: ONNX Conv with groups, strides, asymmetric pads,
// dilations, optional bias and a fused Relu/Clip. Shapes travel in uniforms: one pipeline per variant.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { kernelFamily } from '../family';

export interface ConvActivation {
  kind: 'none' | 'relu' | 'clip';
  /** Clip bounds; a missing one is unbounded (ONNX Clip defaults). */
  min?: number;
  max?: number;
}

/**
 * 'auto' picks depthwise when group == C == M, else the implicit GEMM of the adapter's family
 * (src/gpu/family.ts): 'tiled' (register tiles, no workgroup memory: CPU adapters) or 'workgroup'
 * (operands staged in workgroup memory: GPUs). 'naive' exists as a benchmark baseline.
 */
export type ConvVariant = 'auto' | 'tiled' | 'workgroup' | 'depthwise' | 'naive';

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
/** Pixels per invocation of the register-tiled GEMM (override PT): 8 x 8 tiles measured best on SwiftShader and lavapipe. */
const CPU_PIXELS = 8;
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
 * The GEMM variants pack w once, now: w must already hold its values (as uploaded constants do).
 * For weights computed or updated at run time, use conv2dPlan and run `pack` before `conv`.
 */
export function conv2d(gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor, p: ConvParams): Dispatch {
  const plan = conv2dPlan(gpu, x, w, bias, y, p);
  if (plan.pack) gpu.encode([plan.pack]); // submitted now, so it precedes every later run of plan.conv
  return plan.conv;
}

/** Where a GEMM conv's packed weights come from: w itself, or (flip) w read as the input gradient's kernel. */
interface PackSource {
  w: GpuTensor;
  flip: boolean;
}

/** The Conv's dispatches and its plan-time buffers (uniforms, tap table, packed weights), built once. */
export function conv2dPlan(gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor, p: ConvParams): ConvPlan {
  return convPlan(gpu, x, w.shape, { w, flip: false }, bias, y, p);
}

/**
 * dx = ∂L/∂x of a stride-1 conv y = conv(x, w), as a forward conv of dy with the flipped,
 * channel-transposed kernel (packed by conv2d-pack-weights with FLIP): the GEMM kernels' speed for
 * the input gradient. x [N,C,H,W], w [M, C/group, kH, kW], dy [N,M,oH,oW]. Re-run `pack` whenever w
 * changes. Throws for strides other than 1.
 */
export function conv2dTransposedPlan(gpu: Gpu, dy: GpuTensor, w: GpuTensor, dx: GpuTensor, p: Pick<ConvParams, 'strides' | 'pads' | 'dilations' | 'group' | 'variant'>): ConvPlan {
  const [M, Cg, kH, kW] = w.shape;
  const [, , H, W] = dx.shape;
  const [, , oH, oW] = dy.shape;
  if (p.strides[0] !== 1 || p.strides[1] !== 1) throw new Error(`conv2dTransposedPlan: strides [${p.strides}] must be 1`);
  const [dH, dW] = p.dilations;
  const padT = dH * (kH - 1) - p.pads[0];
  const padL = dW * (kW - 1) - p.pads[1];
  const padB = H - oH - padT + dH * (kH - 1);
  const padR = W - oW - padL + dW * (kW - 1);
  const tp: ConvParams = { strides: [1, 1], pads: [padT, padL, padB, padR], dilations: [dH, dW], group: p.group, variant: p.variant };
  return convPlan(gpu, dy, [Cg * p.group, M / p.group, kH, kW], { w, flip: true }, null, dx, tp);
}

function convPlan(gpu: Gpu, x: GpuTensor, wShape: number[], src: PackSource, bias: GpuTensor | null, y: GpuTensor, p: ConvParams): ConvPlan {
  const [N, C, H, W] = x.shape;
  const [M, Cg, kH, kW] = wShape;
  const { group } = p;
  const label = `conv2d${src.flip ? ' (input gradient)' : ''} ${x.shape.join('x')} * ${wShape.join('x')} g${group}`;
  if (x.shape.length !== 4 || wShape.length !== 4 || Cg * group !== C || M % group !== 0) {
    throw new Error(`${label}: x must be [N,C,H,W] and w [M, C/group, kH, kW] with M divisible by group`);
  }
  const want = convOutputShape(x.shape, wShape, p);
  if (y.shape.join() !== want.join()) throw new Error(`${label}: y is [${y.shape}], expected [${want}]`);
  if (want[2] < 1 || want[3] < 1) throw new Error(`${label}: the padded input is smaller than the dilated kernel (output [${want}])`);
  if (bias && bias.shape.reduce((a, b) => a * b, 1) !== M) throw new Error(`${label}: bias must have ${M} values`);
  const [oH, oW] = [want[2], want[3]];
  const Mg = M / group;
  const K = Cg * kH * kW;
  const oHW = oH * oW;
  const NP = N * oHW;
  const depthwise = group === C && group === M;
  const family = kernelFamily(gpu) === 'cpu' ? 'tiled' : 'workgroup';
  const variant = p.variant && p.variant !== 'auto' ? p.variant : depthwise && !src.flip ? 'depthwise' : family;
  if (variant === 'depthwise' && !depthwise) throw new Error(`${label}: the depthwise variant needs group == C == M`);
  if (src.flip && (variant === 'depthwise' || variant === 'naive')) throw new Error(`${label}: the input gradient runs on a GEMM variant`);
  const a = p.activation ?? { kind: 'none' };
  const lo = a.kind === 'relu' ? 0 : a.kind === 'clip' ? Math.max(a.min ?? -F32_MAX, -F32_MAX) : -F32_MAX;
  const hi = a.kind === 'clip' ? Math.min(a.max ?? F32_MAX, F32_MAX) : F32_MAX;
  const [sH, sW] = p.strides;
  const [dH, dW] = p.dilations;
  const geo = [N, C, H, W, M, oH, oW, kH, kW, sH, sW, p.pads[0], p.pads[1], dH, dW, group, Cg, Mg, K];
  const MgP = Math.ceil(Mg / 8) * 8;
  const b = (bias ?? src.w).buffer;
  if (variant === 'depthwise' || variant === 'naive') {
    const items = variant === 'depthwise' ? N * M * oH * Math.ceil(oW / 4) : N * M * oHW;
    const u = gpu.uniform(label, [...geo, MgP, oHW, 0, 0, items], [lo, hi]);
    const conv = gpu.dispatch('conv2d', [x.buffer, src.w.buffer, b, y.buffer, u, src.w.buffer, src.w.buffer], grid(Math.ceil(items / WG)), { VARIANT: VARIANTS[variant], HAS_BIAS: bias ? 1 : 0, ACT: ACTS[a.kind] }, label);
    return { conv, pack: null, packed: null, variant };
  }
  const taps = new Int32Array(K * 4);
  for (let k = 0; k < K; k++) {
    const [c, kh, kw] = [Math.floor(k / (kH * kW)), Math.floor(k / kW) % kH, k % kW];
    taps.set([kh * dH, kw * dW, (c * H + kh * dH) * W + kw * dW, 0], k * 4);
  }
  const tapBuf = gpu.tensor(`${label}.taps`, [K * 4], taps).buffer;
  const packed = gpu.tensor(`${label}.packed-w`, [group, K, MgP]);
  const [srcM, srcCg] = src.w.shape;
  const packU = gpu.uniform(`${label}.pack`, [group, K, Mg, MgP, srcM / group, srcCg, kH, kW]);
  const pack = gpu.dispatch('conv2d-pack-weights', [src.w.buffer, packed.buffer, packU], grid(Math.ceil((group * K * MgP) / WG)), { FLIP: src.flip ? 1 : 0 }, `${label}.pack`);
  const constants = { HAS_BIAS: bias ? 1 : 0, ACT: ACTS[a.kind] };
  if (variant === 'workgroup') {
    // 64 channels x 64 pixels per workgroup of 256
    const pBlocks = Math.ceil(NP / 64);
    const mBlocks = Math.ceil(Mg / 64);
    const items = pBlocks * mBlocks * group;
    const u = gpu.uniform(label, [...geo, MgP, oHW, pBlocks, mBlocks, items], [lo, hi]);
    const conv = gpu.dispatch('conv2d-wg', [x.buffer, bias ? bias.buffer : packed.buffer, y.buffer, u, packed.buffer, tapBuf], grid(items), constants, label);
    return { conv, pack, packed, variant };
  }
  // register-tiled: lanesM invocations across channels (8 each), 64/lanesM across pixels (PT each)
  const lanesM = Math.min(8, 2 ** Math.ceil(Math.log2(Math.ceil(Mg / 8))));
  const pBlocks = Math.ceil(NP / (CPU_PIXELS * (WG / lanesM)));
  const groups = pBlocks * group * Math.ceil(Mg / (8 * lanesM));
  const u = gpu.uniform(label, [...geo, MgP, oHW, pBlocks, lanesM, N * M * oHW], [lo, hi]);
  const conv = gpu.dispatch('conv2d', [x.buffer, src.w.buffer, b, y.buffer, u, packed.buffer, tapBuf], grid(groups), { ...constants, VARIANT: VARIANTS.tiled, PT: CPU_PIXELS }, label);
  return { conv, pack, packed, variant };
}
