// Deterministic reductions without float atomics: a kernel writes one partial sum per workgroup
// (PARTIAL_GROUP threads, at most MAX_PARTIALS workgroups, grid stride over the elements), and
// reduceSum (./reduce-sum.ts) adds the partials in a fixed order into one value.
import type { Gpu } from '../gpu';

/** Threads per workgroup of every kernel here that writes partial sums. */
export const PARTIAL_GROUP = 256;
/** Most partial-sum slots (workgroups) one reduction uses; larger inputs loop (grid stride). */
export const MAX_PARTIALS = 1024;

/** Partial-sum slots (f32 words) a reducing kernel over n elements writes. */
export function partialSlots(n: number): number {
  return Math.max(1, Math.min(Math.ceil(n / PARTIAL_GROUP), MAX_PARTIALS));
}

/** Threads per workgroup of the barrier-free reductions (one partial per invocation). */
export const LANE_GROUP = 64;
/** Most per-invocation partials a barrier-free reduction writes. */
export const MAX_LANES = 16384;

/**
 * Partial slots of a barrier-free reduction over n elements: one per invocation, each summing a
 * grid-stride run of about 16 or more elements, a multiple of LANE_GROUP, at most MAX_LANES. No
 * workgroup memory or barriers (slow on CPU adapters such as SwiftShader, and not needed: the
 * partials are added by reduceSum).
 */
export function laneSlots(n: number): number {
  return Math.min(MAX_LANES, Math.max(1, Math.ceil(n / (16 * LANE_GROUP))) * LANE_GROUP);
}

/** A 16-byte storage buffer bound where a kernel's optional output is switched off. */
export function scratchBuffer(gpu: Gpu): GPUBuffer {
  return gpu.shared('scratch', () => gpu.buffer('scratch', 16));
}
