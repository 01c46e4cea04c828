// Timing on the GPU queue: each measurement is one submission + onSubmittedWorkDone, wall clock.
// Whole iterations, each dispatch alone (grouped by kernel), an empty submission, and the matmul
// ceiling probe (the best of the engine's matmul kernel and a register-tiled probe on a square f32 product).
import type { Dispatch, Gpu } from '../../src/gpu/gpu';
import type { Engine } from './engine';
import { median } from './engine';

/** Seconds since `t0` (performance.now() milliseconds). */
const since = (t0: number) => (performance.now() - t0) / 1000;

export async function submitAndWait(gpu: Gpu, ds: Dispatch[]): Promise<number> {
  const t0 = performance.now();
  gpu.encode(ds);
  await gpu.device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

export interface Budget {
  /** Most timed repetitions. */
  maxReps: number;
  /** Fewest timed repetitions (unless maxReps is lower). */
  minReps: number;
  /** Seconds after which no further repetition starts once minReps are done. */
  seconds: number;
}

/** Warm-up runs (not timed), then timed runs within the budget; `before(k)` runs ahead of each. */
export async function timeRuns(gpu: Gpu, ds: Dispatch[], b: Budget, warmups = 1, before?: (k: number) => void): Promise<{ ms: number; all: number[]; warmupMs: number[] }> {
  const warmupMs: number[] = [];
  let k = 0;
  for (; k < warmups; k++) {
    before?.(k);
    warmupMs.push(await submitAndWait(gpu, ds));
  }
  gpu.throwErrors();
  const all: number[] = [];
  const t0 = performance.now();
  while (all.length < b.maxReps && (all.length < b.minReps || since(t0) < b.seconds)) {
    before?.(k++);
    all.push(await submitAndWait(gpu, ds));
  }
  gpu.throwErrors();
  return { ms: median(all), all, warmupMs };
}

/** The kernel a dispatch label names: "conv2dGradWeight 32x16x32x32 * …" → "conv2dGradWeight". */
export const kernelOf = (label: string): string => label.replace(/ .*$/, '').replace(/\d+x\d+.*/, '');

export interface KernelTime {
  kernel: string;
  dispatches: number;
  ms: number;
}

/**
 * Every dispatch of `ds` timed alone (rounds × each dispatch once, median per dispatch), summed by
 * kernel. The iteration should have run before (pipelines compiled, caches warm).
 */
export async function profileDispatches(gpu: Gpu, ds: Dispatch[], rounds: number): Promise<{ kernels: KernelTime[]; sumMs: number; emptyMs: number }> {
  const times = ds.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) for (const [i, d] of ds.entries()) times[i].push(await submitAndWait(gpu, [d]));
  gpu.throwErrors();
  const byKernel = new Map<string, KernelTime>();
  let sumMs = 0;
  ds.forEach((d, i) => {
    const ms = median(times[i]);
    sumMs += ms;
    const key = kernelOf(d.label);
    const e = byKernel.get(key) ?? { kernel: key, dispatches: 0, ms: 0 };
    byKernel.set(key, { kernel: key, dispatches: e.dispatches + 1, ms: e.ms + ms });
  });
  const empty: number[] = [];
  for (let r = 0; r < 5; r++) empty.push(await submitAndWait(gpu, []));
  return { kernels: [...byKernel.values()].sort((x, y) => y.ms - x.ms), sumMs, emptyMs: median(empty) };
}

/** Convolution kernels (forward, weight packing, input and weight gradients and their reductions). */
export const isConvKernel = (kernel: string): boolean => /conv/i.test(kernel);

export interface Ceiling {
  size: number;
  ms: number;
  gflops: number;
  reps: number;
  /** The kernel that reached it: the engine's MatMul, or the register-tiled probe (shaders/matmul-probe.wgsl) with its tile. */
  kernel: string;
}

/**
 * The adapter's matmul ceiling on size³ f32: the best of the engine's MatMul kernel and the plain
 * register-tiled probe (contiguous K-major operands, 4x4 to 8x8 tiles; no edges, no index tables),
 * each the median of timed reps after a warm-up.
 */
export async function matmulCeiling(E: Engine, gpu: Gpu, size = 1024, seconds = 8): Promise<Ceiling> {
  const rand = () => new Float32Array(size * size).map(() => Math.random() - 0.5);
  const a = gpu.tensor('probe.a', [size, size], rand());
  const b = gpu.tensor('probe.b', [size, size], rand());
  const y = gpu.tensor('probe.y', [size, size]);
  const tiles = [[4, 4], [8, 4], [4, 8], [8, 8]] as const;
  const candidates = [{ kernel: 'engine MatMul', d: E.matmul(gpu, a, b, y) }, ...tiles.map(([m, n]) => ({ kernel: `probe ${m}x${n}`, d: E.matmulProbe(gpu, a, b, y, m, n) }))];
  try {
    let best: Ceiling | null = null;
    for (const c of candidates) {
      const r = await timeRuns(gpu, [c.d], { minReps: 2, maxReps: 7, seconds: seconds / candidates.length });
      const gflops = (2 * size ** 3) / (r.ms * 1e6);
      if (!best || gflops > best.gflops) best = { size, ms: r.ms, gflops, reps: r.all.length, kernel: c.kernel };
    }
    return best!;
  } finally {
    for (const t of [a, b, y]) t.buffer.destroy();
  }
}
