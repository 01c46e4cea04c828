// Test helpers shared by every kernel test: a seeded RNG (seed printed on failure), random
// tensors, one GPU per test file, and expectClose(gpu, ref) with explicit tolerances.
import { expect } from 'vitest';
import type { Gpu, GpuTensor } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';

/** mulberry32: small, seedable, good enough for test data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fresh seed per call (so every run tests new inputs); it is part of every failure message.
 * TEST_SEED=N replays one: every call then returns N.
 */
export function freshSeed(): number {
  const replay = process.env.TEST_SEED;
  return replay ? Number(replay) : Math.floor(Math.random() * 2 ** 31);
}

/** n float32-representable uniform values in [lo, hi). */
export function randArray(n: number, r: () => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

let shared: Promise<Gpu> | undefined;
/** The process-wide test GPU (Dawn in Node on whatever Vulkan adapter is installed). */
export function testGpu(): Promise<Gpu> {
  shared ??= nodeGpu();
  return shared;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** |gpu − ref| ≤ atol + rtol·|ref| everywhere; the failure names the worst element. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what = ''): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const excess = err - (tol.atol + tol.rtol * Math.abs(want[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${got[worst]}, reference ${want[worst]} (rtol ${tol.rtol}, atol ${tol.atol})`,
    );
  }
}

/** Upload a float32 array as a GPU tensor. */
export function upload(gpu: Gpu, label: string, shape: number[], data: Float32Array): GpuTensor {
  return gpu.tensor(label, shape, data);
}
