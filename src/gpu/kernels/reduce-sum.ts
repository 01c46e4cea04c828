// Typed wrapper over shaders/reduce-sum.wgsl: one workgroup sums a short buffer into one slot of
// another (set or add), e.g. the recon-loss partials into a GPU-side loss history.
import type { Dispatch, Gpu } from '../gpu';
import { STEP_BYTES } from './step';

export type ReduceMode = 'set' | 'add';

/** A Step uniform of zeros for the fixed-index variant (its slots = 0 never reads it). */
function zeroStep(gpu: Gpu): GPUBuffer {
  return gpu.shared('reduceSum.zeroStep', () => gpu.uniform('reduceSum.zeroStep', new Array<number>(STEP_BYTES / 4).fill(0)));
}

function check(src: GPUBuffer, count: number, dst: GPUBuffer, lastIndex: number, label: string): void {
  if (src === dst) throw new Error(`${label}: src and dst share a buffer`);
  if (count * 4 > src.size) throw new Error(`${label}: ${count} floats do not fit in src (${src.size} bytes)`);
  if ((lastIndex + 1) * 4 > dst.size) throw new Error(`${label}: slot ${lastIndex} is past the end of dst (${dst.size} bytes)`);
}

/** dst[dstIndex] = Σ src[0..count) ('set') or dst[dstIndex] += Σ src[0..count) ('add'). */
export function reduceSum(gpu: Gpu, src: GPUBuffer, count: number, dst: GPUBuffer, dstIndex: number, mode: ReduceMode = 'set', label = 'reduceSum'): Dispatch {
  check(src, count, dst, dstIndex, label);
  const u = gpu.uniform(label, [count, dstIndex, mode === 'add' ? 1 : 0, 1, 0]);
  return gpu.dispatch('reduce-sum', [src, dst, u, zeroStep(gpu)], [1, 1, 1], {}, label);
}

export interface StepSlots {
  /** First slot of the ring in dst (default 0). */
  base?: number;
  /** Iterations per slot (default 1). */
  every?: number;
  /** Slots in the ring. */
  slots: number;
}

/**
 * As reduceSum, into dst[base + ⌊step.iter / every⌋ mod slots], the iteration read from the Step
 * uniform at run time: one Dispatch keeps a ring of per-iteration (or, with 'add', per-`every`-
 * iterations) sums that the host reads now and then.
 */
export function reduceSumAtStep(gpu: Gpu, src: GPUBuffer, count: number, dst: GPUBuffer, step: GPUBuffer, at: StepSlots, mode: ReduceMode = 'set', label = 'reduceSum'): Dispatch {
  const base = at.base ?? 0;
  const every = at.every ?? 1;
  if (at.slots < 1 || every < 1) throw new Error(`${label}: need slots >= 1 and every >= 1`);
  check(src, count, dst, base + at.slots - 1, label);
  const u = gpu.uniform(label, [count, base, mode === 'add' ? 1 : 0, every, at.slots]);
  return gpu.dispatch('reduce-sum', [src, dst, u, step], [1, 1, 1], {}, label);
}
