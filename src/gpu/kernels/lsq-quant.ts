// Typed wrappers over shaders/lsq-quant.wgsl and lsq-quant-grad.wgsl: LSQ activation fake-quant
// with QDrop dropping (../shared/DESIGN.md §4, §5) and its straight-through backward.
// State: `sz` holds [s, z] float32 pairs (step size trained, zero point fixed, integer-valued);
// quantizer `slot` uses pair `slot` and writes its step-size gradient to grad[slot].
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { numel } from './layout';
import { LANE_GROUP, laneSlots, scratchBuffer } from './partials';
import { reduceSum } from './reduce-sum';

export interface LsqOptions {
  qmin: number;
  qmax: number;
  /** Probability of quantizing an element (QDrop); 1 (default) always, 0 never; otherwise needs a step buffer. */
  p?: number;
  /** RNG stream of this quantizer's drop mask (STREAM.dropBase + k, src/recon/step.ts). */
  stream?: number;
  /** Pair index in sz and element of grad (default 0). */
  slot?: number;
}

export interface LsqGradOptions extends LsqOptions {
  /** Multiplies the step-size gradient; default lsqGradScale(elements of x, qmax). */
  gradScale?: number;
  /** Scratch for the per-invocation sums, ≥ lsqPartialSlots(n) f32 words; allocated here if absent. */
  partials?: GPUBuffer;
}

/** float32 machine epsilon: QDrop's lower bound of a trained step size (s = max(|s|, eps)). */
export const LSQ_EPS = 2 ** -23;

/**
 * LSQ's gradient scale 1/√(N·qmax) with N the element count of the whole quantized tensor
 * (batch included), as QDrop's LSQFakeQuantize (`X.numel()`), not per sample.
 */
export function lsqGradScale(n: number, qmax: number): number {
  return 1 / Math.sqrt(n * qmax);
}

/** Partial-sum slots lsqBackward needs for an input of n elements. */
export const lsqPartialSlots = laneSlots;

/** A [s, z] state buffer (several quantizers: arrays, pair k = slot k). */
export function lsqState(gpu: Gpu, scale: number | ArrayLike<number>, zeroPoint: number | ArrayLike<number>, label = 'lsq'): GPUBuffer {
  const s = typeof scale === 'number' ? [scale] : Array.from(scale);
  const z = typeof zeroPoint === 'number' ? [zeroPoint] : Array.from(zeroPoint);
  if (s.length !== z.length) throw new Error(`${label}: ${s.length} step sizes, ${z.length} zero points`);
  const words = new Float32Array(2 * s.length);
  s.forEach((v, k) => {
    words[2 * k] = v;
    words[2 * k + 1] = z[k];
  });
  return gpu.tensor(`${label}.sz`, [words.length], words).buffer;
}

function stepOrDummy(gpu: Gpu, step: GPUBuffer | undefined, p: number, label: string): GPUBuffer {
  if (step) return step;
  if (p > 0 && p < 1) throw new Error(`${label}: dropping (p = ${p}) draws from the step uniform; pass one`);
  return gpu.shared('lsq.noStep', () => gpu.uniform('lsq.noStep', new Array<number>(8).fill(0)));
}

/** y = where(rand < p, fq(x), x) with [s, z] read from sz at run time. y must not alias x. */
export function lsqForward(gpu: Gpu, x: GpuTensor, y: GpuTensor, sz: GPUBuffer, o: LsqOptions, step?: GPUBuffer, label = 'LsqQuant'): Dispatch {
  const n = numel(x.shape);
  if (numel(y.shape) !== n) throw new Error(`${label}: y [${y.shape}] does not match x [${x.shape}]`);
  const st = stepOrDummy(gpu, step, o.p ?? 1, label);
  const u = gpu.uniform(label, [n, o.stream ?? 0, o.slot ?? 0, 0], [o.p ?? 1, o.qmin, o.qmax]);
  return gpu.dispatch('lsq-quant', [x.buffer, y.buffer, sz, u, st], elementGrid(gpu, Math.ceil(n / 4), 256), {}, label);
}

/**
 * Backward of lsqForward under the same step uniform (same drop mask): dx (skipped when null;
 * must not alias dy) and grad[slot] = gradScale·Σ, overwritten. Returns [elementwise + partial
 * sums, reduceSum into grad].
 */
export function lsqBackward(
  gpu: Gpu,
  x: GpuTensor,
  dy: GpuTensor,
  dx: GpuTensor | null,
  sz: GPUBuffer,
  grad: GPUBuffer,
  o: LsqGradOptions,
  step?: GPUBuffer,
  label = 'LsqQuantGrad',
): Dispatch[] {
  const n = numel(x.shape);
  if (numel(dy.shape) !== n || (dx && numel(dx.shape) !== n)) throw new Error(`${label}: dy/dx do not match x [${x.shape}]`);
  const lanes = laneSlots(n);
  const groups = lanes / LANE_GROUP;
  const partials = o.partials ?? gpu.buffer(`${label}.partials`, lanes * 4);
  if (partials.size < lanes * 4) throw new Error(`${label}: partials need ${lanes} f32 slots, have ${partials.size / 4}`);
  const st = stepOrDummy(gpu, step, o.p ?? 1, label);
  const scale = o.gradScale ?? lsqGradScale(n, o.qmax);
  const u = gpu.uniform(label, [n, o.stream ?? 0, o.slot ?? 0, groups], [o.p ?? 1, o.qmin, o.qmax, scale]);
  const d = gpu.dispatch('lsq-quant-grad', [x.buffer, dy.buffer, dx ? dx.buffer : scratchBuffer(gpu), sz, partials, u, st], [groups, 1, 1], { WRITE_DX: dx ? 1 : 0 }, label);
  return [d, reduceSum(gpu, partials, lanes, grad, o.slot ?? 0, 'set', `${label}.sum`)];
}
