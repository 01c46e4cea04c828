// SQuant rounding (DESIGN.md §7): typed wrapper over shaders/squant-k.wgsl (E and K, one invocation
// per kernel) and squant-c.wgsl (C and the integer codes, one workgroup per output channel; on CPU
// adapters squant-c-serial.wgsl, one invocation per channel).
// The input is v = W/s, float32, laid out [channels, kernels, ksize]; float64 twin: src/ref/squant.ts.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { kernelFamily } from '../family';
import { numel } from './layout';

export interface SquantShape {
  channels: number;
  /** Kernels per output channel (input channels, or the row length of a fully connected weight). */
  kernels: number;
  /** Elements per kernel (kH·kW; 1 for 1×1 convolutions and fully connected weights). */
  ksize: number;
}

export interface SquantStages {
  /** SQuant-K (default on; never for ksize 1, as the official code skips it). */
  k?: boolean;
  /** SQuant-C (default on). */
  c?: boolean;
}

/** SQuant-C per output channel: 'workgroup' (one workgroup, GPUs), 'serial' (one invocation, CPU adapters), 'auto' by adapter. */
export type SquantVariant = 'auto' | 'workgroup' | 'serial';

export interface SquantGrid {
  /** Zero point per channel (length 1: shared). */
  zeroPoints: ArrayLike<number>;
  qmin: number;
  qmax: number;
}

/** The channel's error sum is exact in i32/u32 fixed point up to this many elements (|e| < 1, 2^16 per unit). */
export const SQUANT_MAX_CHANNEL = 32767;

const MIN_NORMAL = 2 ** -126;

/**
 * v = W/s rounded to float32 (as quantizeCodes divides, so SQuant-E is round to nearest exactly),
 * for w laid out [channels, per] with one scale per channel (or one in all). Subnormal quotients
 * become 0: a GPU may flush them, and v must be the same number on both sides.
 */
export function squantInput(w: ArrayLike<number>, channels: number, scales: ArrayLike<number>): Float32Array {
  const per = w.length / channels;
  if (!Number.isInteger(per)) throw new Error(`squantInput: ${w.length} weights do not split into ${channels} channels`);
  const v = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const s = Math.fround(scales[scales.length === 1 ? 0 : Math.floor(i / per)]);
    const q = Math.fround(w[i] / s);
    v[i] = Math.abs(q) < MIN_NORMAL ? 0 : q;
  }
  return v;
}

export interface SquantRun {
  /** K (or E alone), then C with the codes: run them in this order. */
  dispatches: Dispatch[];
  /** i32 codes in [qmin, qmax], same layout as v (read with readCodes). */
  codes: GPUBuffer;
  /** Every buffer made here (codes included): destroy them when done. */
  owned: GPUBuffer[];
}

/** SQuant's stages over v ([channels, kernels, ksize], float32 W/s) on grid g: the dispatches and the codes they write. */
export function squant(gpu: Gpu, v: GpuTensor, shape: SquantShape, g: SquantGrid, stages: SquantStages = {}, label = 'SQuant', variant: SquantVariant = 'auto'): SquantRun {
  const { channels, kernels, ksize } = shape;
  const per = kernels * ksize;
  const n = channels * per;
  if (numel(v.shape) !== n) throw new Error(`${label}: v [${v.shape}] is not [${channels}, ${kernels}, ${ksize}]`);
  if (per > SQUANT_MAX_CHANNEL) throw new Error(`${label}: ${per} weights per output channel; SQuant's exact error sums allow up to ${SQUANT_MAX_CHANNEL}`);
  if (g.zeroPoints.length !== 1 && g.zeroPoints.length !== channels) throw new Error(`${label}: ${g.zeroPoints.length} zero points for ${channels} channels`);
  const zp = Int32Array.from({ length: channels }, (_, c) => g.zeroPoints[g.zeroPoints.length === 1 ? 0 : c]);
  const owned: GPUBuffer[] = [];
  const make = (what: string, bytes: number) => {
    const b = gpu.buffer(`${label}.${what}`, Math.max(4, bytes));
    owned.push(b);
    return b;
  };
  const zpBuf = make('zp', channels * 4);
  gpu.write(zpBuf, zp);
  const codes = make('codes', n * 4);
  const err = make('err', n * 4);
  const pri = make('pri', n * 4);
  const doK = (stages.k ?? true) && ksize > 1;
  const uk = gpu.uniform(`${label}.k`, [channels * kernels, ksize, kernels, doK ? 1 : 0, g.qmin, g.qmax]);
  const uc = gpu.uniform(`${label}.c`, [channels, per, (stages.c ?? true) ? 1 : 0, 0, g.qmin, g.qmax]);
  owned.push(uk, uc);
  const bufs = [v.buffer, zpBuf, codes, err, pri];
  return {
    dispatches: [
      gpu.dispatch('squant-k', [...bufs, uk], elementGrid(gpu, channels * kernels, 64), {}, `${label}.k`),
      (variant === 'serial' || (variant === 'auto' && kernelFamily(gpu) === 'cpu'))
        ? gpu.dispatch('squant-c-serial', [...bufs, uc], elementGrid(gpu, channels, 64), {}, `${label}.c`)
        : gpu.dispatch('squant-c', [...bufs, uc], grid(channels), {}, `${label}.c`),
    ],
    codes,
    owned,
  };
}

/** The n i32 codes of a SquantRun. */
export async function readCodes(gpu: Gpu, codes: GPUBuffer, n: number): Promise<Int32Array> {
  const f = await gpu.read(codes, n);
  return new Int32Array(f.buffer, f.byteOffset, n);
}
