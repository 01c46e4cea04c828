// Backward kernels for block reconstruction: gradients of ONNX Conv w.r.t. its input and weights
// (shaders/conv2d-grad-input.wgsl, conv2d-grad-weight.wgsl + conv2d-grad-weight-reduce.wgsl), and of
// ONNX Gemm w.r.t. A and B (the forward product kernel with transpose flags). Every wrapper builds
// its Dispatches, uniforms and scratch buffers once; re-running them recomputes from the bound
// buffers' current contents and overwrites the gradient (no accumulation).
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { conv2dTransposedPlan, convOutputShape, type ConvParams } from './conv2d';
import { elementGrid } from '../elements';
import { kernelFamily } from '../family';
import type { GemmParams } from './gemm';
import { productDispatch } from './matmul';

export type ConvGradParams = Pick<ConvParams, 'strides' | 'pads' | 'dilations' | 'group'>;

const WG = 64;
/** Split-K of the weight gradient: at least this many pixels per chunk... */
const MIN_CHUNK = 256;
/** ...and enough chunks that (tiles x chunks) reaches about this many invocations. */
const TARGET_INVOCATIONS = 16384;

/** Channels per invocation (override CT / MT): 8, or 4, or all of a group of 1 or 2 (clamped lanes are wasted work). */
function tileOf(channels: number): number {
  return channels >= 6 ? 8 : channels >= 3 ? 4 : channels;
}

/** Checks shared by both conv gradients; returns the geometry words both shaders start with. */
function convGeometry(label: string, xShape: number[], wShape: number[], dyShape: number[], p: ConvGradParams): number[] {
  const [N, C, H, W] = xShape;
  const [M, Cg, kH, kW] = wShape;
  const { group } = p;
  if (xShape.length !== 4 || wShape.length !== 4 || Cg * group !== C || M % group !== 0) {
    throw new Error(`${label}: x must be [N,C,H,W] and w [M, C/group, kH, kW] with M divisible by group`);
  }
  const want = convOutputShape(xShape, wShape, p);
  if (want[2] < 1 || want[3] < 1) throw new Error(`${label}: the padded input is smaller than the dilated kernel (output [${want}])`);
  if (dyShape.join() !== want.join()) throw new Error(`${label}: dy is [${dyShape}], expected [${want}]`);
  const [, , oH, oW] = want;
  return [N, C, H, W, M, oH, oW, kH, kW, p.strides[0], p.strides[1], p.pads[0], p.pads[1], p.dilations[0], p.dilations[1], group, Cg, M / group];
}

/**
 * How the input gradient is computed: 'auto' runs a stride-1, non-depthwise conv as a forward conv of
 * dy with the flipped kernel on the adapter's GEMM family (conv2dTransposedPlan), everything else on
 * the direct kernel (shaders/conv2d-grad-input.wgsl); 'direct', 'tiled' and 'workgroup' force one.
 */
export type GradInputVariant = 'auto' | 'direct' | 'tiled' | 'workgroup';

/**
 * dx [N,C,H,W] = ∂L/∂x of y = conv(x, w), given dy = ∂L/∂y [N,M,oH,oW] and w [M, C/group, kH, kW].
 * Overwrites dx. Returns the dispatches to run in order: [pack of the flipped weights, conv] on the
 * GEMM path (the pack reads w, so re-running both follows new weights; its packed-weight and tap
 * buffers are allocated here, once per call), or the direct kernel alone.
 */
export function conv2dGradInput(gpu: Gpu, dy: GpuTensor, w: GpuTensor, dx: GpuTensor, p: ConvGradParams, variant: GradInputVariant = 'auto'): Dispatch[] {
  const label = `conv2dGradInput ${dy.shape.join('x')} * ${w.shape.join('x')} g${p.group}`;
  const geo = convGeometry(label, dx.shape, w.shape, dy.shape, p);
  const [N, C, H, W] = dx.shape;
  const Cg = w.shape[1];
  const stride1 = p.strides[0] === 1 && p.strides[1] === 1;
  const depthwise = p.group === C && p.group === w.shape[0];
  if (variant !== 'direct' && (variant !== 'auto' || (stride1 && !depthwise))) {
    const plan = conv2dTransposedPlan(gpu, dy, w, dx, { ...p, variant: variant === 'auto' ? 'auto' : variant });
    return [plan.pack!, { ...plan.conv, label: `${label} (${plan.variant} GEMM)` }];
  }
  const sW = p.strides[1];
  const CT = tileOf(Cg);
  const cBlocks = Math.ceil(Cg / CT);
  const tBlocks = Math.ceil(Math.ceil(W / sW) / 4);
  const items = N * p.group * cBlocks * H * sW * tBlocks;
  const u = gpu.uniform(label, [...geo, cBlocks, tBlocks, items]);
  return [gpu.dispatch('conv2d-grad-input', [dy.buffer, w.buffer, dx.buffer, u], grid(Math.ceil(items / WG)), { CT }, label)];
}

/** 'auto': the adapter's family (src/gpu/family.ts); 'tiled' register tiles, no workgroup memory (CPU adapters); 'workgroup' operands staged in workgroup memory (GPUs). */
export type GradWeightVariant = 'auto' | 'tiled' | 'workgroup';
/** Workgroups the GPU family's split-K aims for (tiles x chunks). */
const TARGET_WORKGROUPS = 512;

/**
 * dw [M, C/group, kH, kW] = ∂L/∂w of y = conv(x, w), given x [N,C,H,W] and dy = ∂L/∂y [N,M,oH,oW]:
 * a GEMM over the N*oH*oW pixels, split into chunks (split-K) whose partial sums a second dispatch
 * adds. Overwrites dw. Returns [partials, reduce], or just [direct] when the reduction is too short
 * to split: run them in order, nothing may write dw or the scratch between them. The partial-sum
 * scratch buffer (`${label}.partials`, S x |dw| floats) is allocated here, once per call, bound to
 * both Dispatches and never freed by this module: plan once and re-run the Dispatches rather than
 * calling this every iteration.
 */
export function conv2dGradWeight(gpu: Gpu, x: GpuTensor, dy: GpuTensor, dw: GpuTensor, p: ConvGradParams, variant: GradWeightVariant = 'auto'): Dispatch[] {
  const label = `conv2dGradWeight ${x.shape.join('x')} * ${dy.shape.join('x')} g${p.group}`;
  const geo = convGeometry(label, x.shape, dw.shape, dy.shape, p);
  const [N] = x.shape;
  const [M, Cg, kH, kW] = dw.shape;
  const [, , oH, oW] = dy.shape;
  const { group } = p;
  const Mg = M / group;
  const K = Cg * kH * kW;
  const P = N * oH * oW;
  const wg = variant === 'workgroup' || (variant === 'auto' && kernelFamily(gpu) === 'gpu');
  // register tiles: MT channels x 4 taps per invocation; workgroup tiles: 64 x 64 per workgroup
  const MT = tileOf(Mg);
  const mBlocks = wg ? Math.ceil(Mg / 64) : Math.ceil(Mg / MT);
  const kBlocks = wg ? Math.ceil(K / 64) : Math.ceil(K / 4);
  const tiles = group * mBlocks * kBlocks;
  const wanted = Math.max(1, Math.min(Math.ceil(P / MIN_CHUNK), Math.ceil((wg ? TARGET_WORKGROUPS : TARGET_INVOCATIONS) / tiles)));
  const chunk = Math.ceil(P / wanted);
  const S = Math.ceil(P / chunk);
  const items = S * tiles;
  const u = gpu.uniform(label, [...geo, K, mBlocks, kBlocks, chunk, P, items]);
  const count = M * K;
  const kernel = (out: GPUBuffer, what: string) =>
    wg
      ? gpu.dispatch('conv2d-grad-weight-wg', [x.buffer, dy.buffer, out, u], grid(items), {}, `${what} (workgroup GEMM)`)
      : gpu.dispatch('conv2d-grad-weight', [x.buffer, dy.buffer, out, u], grid(Math.ceil(items / WG)), { MT }, what);
  if (S === 1) return [kernel(dw.buffer, label)];
  const partials = gpu.buffer(`${label}.partials`, S * count * 4);
  const ru = gpu.uniform(`${label}.reduce`, [count, S]);
  return [
    kernel(partials, `${label} (${S} chunks)`),
    gpu.dispatch('conv2d-grad-weight-reduce', [partials, dw.buffer, ru], elementGrid(gpu, count, WG), {}, `${label}.reduce`),
  ];
}

/** [M, K, N] of Gemm y = alpha·op(A)·op(B) from A's and B's stored shapes. */
function gemmDims(label: string, aShape: number[], bShape: number[], p: GemmParams): [number, number, number] {
  if (aShape.length !== 2 || bShape.length !== 2) throw new Error(`${label}: A and B must be matrices`);
  const [M, K] = p.transA ? [aShape[1], aShape[0]] : aShape;
  const [Kb, N] = p.transB ? [bShape[1], bShape[0]] : bShape;
  if (K !== Kb) throw new Error(`${label}: inner dimensions differ (${K} vs ${Kb})`);
  return [M, K, N];
}

function product(gpu: Gpu, label: string, a: GpuTensor, b: GpuTensor, y: GpuTensor, transA: boolean, transB: boolean, alpha: number): Dispatch {
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const N = transB ? b.shape[0] : b.shape[1];
  const zeros = [0, 0, 0, 0];
  return productDispatch(gpu, a, b, y, { label, M, N, K, transA, transB, alpha, beta: 0, batch: [], aBatchStrides: zeros, bBatchStrides: zeros, c: null });
}

/**
 * da = ∂L/∂A of ONNX Gemm y = alpha·op(A)·op(B) (+ beta·C), given dy [M,N] and b; da has A's stored
 * shape ([M,K], or [K,M] with transA). Overwrites da. One Dispatch of the matmul kernel.
 */
export function gemmGradA(gpu: Gpu, dy: GpuTensor, b: GpuTensor, da: GpuTensor, p: GemmParams): Dispatch {
  const label = `gemmGradA ${dy.shape.join('x')} * ${b.shape.join('x')}${p.transB ? 'ᵀ' : ''}${p.transA ? ' (transA)' : ''}`;
  const [M, , N] = gemmDims(label, da.shape, b.shape, p);
  if (dy.shape.join() !== [M, N].join()) throw new Error(`${label}: dy is [${dy.shape}], expected [${M},${N}]`);
  // op(A)' = alpha·dy·op(B)ᵀ [M,K]; with transA, A' = alpha·op(B)·dyᵀ [K,M].
  if (p.transA) return product(gpu, label, b, dy, da, p.transB, true, p.alpha);
  return product(gpu, label, dy, b, da, false, !p.transB, p.alpha);
}

/**
 * db = ∂L/∂B of ONNX Gemm y = alpha·op(A)·op(B) (+ beta·C), given a and dy [M,N]; db has B's stored
 * shape ([K,N], or [N,K] with transB). Overwrites db. One Dispatch of the matmul kernel.
 */
export function gemmGradB(gpu: Gpu, a: GpuTensor, dy: GpuTensor, db: GpuTensor, p: GemmParams): Dispatch {
  const label = `gemmGradB ${a.shape.join('x')}${p.transA ? 'ᵀ' : ''} * ${dy.shape.join('x')}${p.transB ? ' (transB)' : ''}`;
  const [M, , N] = gemmDims(label, a.shape, db.shape, p);
  if (dy.shape.join() !== [M, N].join()) throw new Error(`${label}: dy is [${dy.shape}], expected [${M},${N}]`);
  // op(B)' = alpha·op(A)ᵀ·dy [K,N]; with transB, B' = alpha·dyᵀ·op(A) [N,K].
  if (p.transB) return product(gpu, label, dy, a, db, true, p.transA, p.alpha);
  return product(gpu, label, a, dy, db, !p.transA, false, p.alpha);
}
