// Test helpers shared by every kernel test: a seeded RNG (seed printed on failure), random
// tensors, one GPU per test file, and expectClose(gpu, ref) with explicit tolerances.
import { expect } from 'vitest';
import type { Gpu, GpuTensor } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
export { randArray, rng } from './random';

/**
 * A fresh seed per call (so every run tests new inputs); it is part of every failure message.
 * TEST_SEED=N replays one: every call then returns N.
 */
export function freshSeed(): number {
  const replay = process.env.TEST_SEED;
  return replay ? Number(replay) : Math.floor(Math.random() * 2 ** 31);
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
