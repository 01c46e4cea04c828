// AdaRound (../shared/DESIGN.md §3): typed wrappers over shaders/adaround.wgsl (soft or hard
// rounded weight) and adaround-grad.wgsl (dV with the rounding regulariser), plus the CPU side:
// initialisation of V from the float weight and the integer codes the export stores.
// Per weight tensor: wFloor = ⌊W/s_c⌋ and V (trained) as float32 arrays of the weight's shape,
// params = [s_c, z_c] float32 pairs per channel of `axis` (−1: per tensor, one pair).
// Non-uniform levels (APoT, DESIGN.md §8): wFloor holds the level code below W/s_c and `gap` the
// distance to the one above (adaround-levels*.wgsl: W̃ = s_c·(lo + h(V)·gap)).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { numel } from './layout';
import { partialSlots } from './partials';

export const ZETA = 1.1;
export const GAMMA = -0.1;

export interface AdaroundOptions {
  qmin: number;
  qmax: number;
  /** Axis of the per-channel [s, z] pairs in the weight's shape (a WeightQuant's axis); −1: per tensor. */
  axis: number;
  /** Levels variant: per-element hi − lo (adaroundInit's gap); wFloor is then lo, qmin/qmax unused. */
  gap?: GPUBuffer;
}

/** What the CPU helpers need of a weight quantizer; a WeightQuant (src/quant/types.ts) has it all. */
export interface AdaroundWeight {
  dims: readonly number[];
  axis: number;
  scales: ArrayLike<number>;
  zeroPoints: ArrayLike<number>;
  range: { qmin: number; qmax: number };
  /** Non-uniform grid: its integer level codes ascending from 0, used as ±levels (zero point 0). */
  levels?: ArrayLike<number>;
}

export interface ChannelLayout {
  n: number;
  /** Elements per channel step: channel of element i = ⌊i / inner⌋ mod channels. */
  inner: number;
  channels: number;
}

export function channelLayout(shape: readonly number[], axis: number): ChannelLayout {
  const n = numel(shape);
  if (axis < 0) return { n, inner: Math.max(1, n), channels: 1 };
  if (axis >= shape.length) throw new Error(`channel axis ${axis} outside [${shape}]`);
  return { n, inner: numel(shape.slice(axis + 1)), channels: shape[axis] };
}

/** The [s_c, z_c] pairs buffer. */
export function adaroundParams(gpu: Gpu, wq: Pick<AdaroundWeight, 'scales' | 'zeroPoints'>, label = 'AdaRound'): GPUBuffer {
  const { scales, zeroPoints } = wq;
  if (scales.length !== zeroPoints.length) throw new Error(`${label}: ${scales.length} scales, ${zeroPoints.length} zero points`);
  const pairs = new Float32Array(2 * scales.length);
  for (let c = 0; c < scales.length; c++) {
    pairs[2 * c] = scales[c];
    pairs[2 * c + 1] = zeroPoints[c];
  }
  return gpu.tensor(`${label}.params`, [pairs.length], pairs).buffer;
}

/**
 * wFloor = ⌊W/s⌋ (W/s rounded to float32 first, as the float32 forward divides) and
 * V = −log((ζ − γ)/(rest − γ) − 1), rest = W/s − ⌊W/s⌋, so that h(V) = rest. rest is in [0, 1)
 * for finite W/s; it is clamped to [0, 1] anyway, where V stays finite (|V| ≤ log 11: rest = 0
 * gives h = 0 exactly at the lower kink of the clamp, rest → 1 the upper one).
 */
export function adaroundInit(w: ArrayLike<number>, wq: Pick<AdaroundWeight, 'dims' | 'axis' | 'scales' | 'levels'>): { wFloor: Float32Array; v: Float32Array; gap?: Float32Array } {
  const { scales } = wq;
  if (wq.levels) return levelsInit(w, wq as typeof wq & { levels: ArrayLike<number> });
  const { n, inner, channels } = channelLayout(wq.dims, wq.axis);
  if (w.length !== n) throw new Error(`adaroundInit: ${w.length} weights for shape [${wq.dims}]`);
  if (scales.length !== channels) throw new Error(`adaroundInit: ${scales.length} scales for ${channels} channels`);
  const wFloor = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.fround(scales[Math.floor(i / inner) % channels]);
    if (!(s > 0) || !Number.isFinite(s)) throw new Error(`adaroundInit: scale ${s} of element ${i} is not a positive finite number`);
    const q = Math.fround(w[i] / s);
    if (!Number.isFinite(q)) throw new Error(`adaroundInit: weight ${w[i]} / scale ${s} is not finite`);
    wFloor[i] = Math.floor(q);
    const rest = Math.min(Math.max(q - Math.floor(q), 0), 1);
    v[i] = -Math.log((ZETA - GAMMA) / (rest - GAMMA) - 1);
  }
  return { wFloor, v };
}

/**
 * Integer codes clamp(⌊W/s⌋ + 1[V ≥ 0] + z, qmin, qmax): what the export stores after hard rounding;
 * with the levels variant's gap, lo + 1[V ≥ 0]·gap (the level below or the one above).
 */
export function hardCodes(wq: Omit<AdaroundWeight, 'scales'>, wFloor: ArrayLike<number>, v: ArrayLike<number>, gap?: ArrayLike<number>): Int32Array {
  const { zeroPoints, range: o } = wq;
  const { n, inner, channels } = channelLayout(wq.dims, wq.axis);
  if (wFloor.length !== n || v.length !== n) throw new Error(`hardCodes: ${wFloor.length}/${v.length} values for shape [${wq.dims}]`);
  if (gap) return Int32Array.from(wFloor, (lo, i) => lo + (v[i] >= 0 ? gap[i] : 0));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const q = wFloor[i] + (v[i] >= 0 ? 1 : 0) + zeroPoints[Math.floor(i / inner) % channels];
    codes[i] = Math.min(Math.max(q, o.qmin), o.qmax);
  }
  return codes;
}

/** V with h(V) = rest, rest clamped to [0, 1] (|V| ≤ log 11). */
function initialV(rest: number): number {
  return -Math.log((ZETA - GAMMA) / (Math.min(Math.max(rest, 0), 1) - GAMMA) - 1);
}

/**
 * The levels variant of adaroundInit: c = W/s (float32), lo ≤ c < lo + gap its neighbouring codes on
 * the grid ±levels (lo = ±max and gap = 0 beyond the largest level), V so that h(V) = (c − lo)/gap.
 */
function levelsInit(w: ArrayLike<number>, wq: Pick<AdaroundWeight, 'dims' | 'axis' | 'scales'> & { levels: ArrayLike<number> }): { wFloor: Float32Array; v: Float32Array; gap: Float32Array } {
  const { scales, levels } = wq;
  const { n, inner, channels } = channelLayout(wq.dims, wq.axis);
  if (w.length !== n) throw new Error(`adaroundInit: ${w.length} weights for shape [${wq.dims}]`);
  if (scales.length !== channels) throw new Error(`adaroundInit: ${scales.length} scales for ${channels} channels`);
  // the signed grid, ascending: −max … −levels[1], 0, levels[1] … max
  const grid = [...Array.from(levels).slice(1).reverse().map((l) => -l), ...Array.from(levels)];
  const top = grid.length - 1;
  const [lo, gap, v] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    const s = Math.fround(scales[Math.floor(i / inner) % channels]);
    if (!(s > 0) || !Number.isFinite(s)) throw new Error(`adaroundInit: scale ${s} of element ${i} is not a positive finite number`);
    const c = Math.fround(w[i] / s);
    if (!Number.isFinite(c)) throw new Error(`adaroundInit: weight ${w[i]} / scale ${s} is not finite`);
    if (c <= grid[0] || c >= grid[top]) {
      lo[i] = c <= grid[0] ? grid[0] : grid[top];
      v[i] = initialV(0);
      continue;
    }
    // the last grid point ≤ c (binary search): grid[a] ≤ c < grid[a + 1]
    let [a, b] = [0, top];
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if (grid[mid] <= c) a = mid;
      else b = mid;
    }
    lo[i] = grid[a];
    gap[i] = grid[a + 1] - grid[a];
    v[i] = initialV((c - grid[a]) / gap[i]);
  }
  return { wFloor: lo, v, gap };
}

/** Partial-sum slots (f32 words) adaroundBackward writes into regPartials for n weights. */
export const adaroundRegPartials = partialSlots;

/** The layout from V's shape, with every buffer checked against it. */
function layout(label: string, o: AdaroundOptions, v: GpuTensor, params: GPUBuffer, wFloor: GPUBuffer, ...ts: GpuTensor[]): ChannelLayout {
  const l = channelLayout(v.shape, o.axis);
  for (const t of ts) if (numel(t.shape) !== l.n) throw new Error(`${label}: tensor [${t.shape}] does not match V [${v.shape}]`);
  if (wFloor.size < l.n * 4) throw new Error(`${label}: wFloor holds ${wFloor.size / 4} words, V has ${l.n}`);
  if (params.size < l.channels * 8) throw new Error(`${label}: params hold ${params.size / 8} [s, z] pairs, axis ${o.axis} of [${v.shape}] has ${l.channels} channels`);
  return l;
}

/** wOut = s·(clamp(wFloor + h + z, qmin, qmax) − z) with h = h(V), or 1[V ≥ 0] when `hard`. */
export function adaroundSoft(gpu: Gpu, wFloor: GPUBuffer, v: GpuTensor, params: GPUBuffer, wOut: GpuTensor, o: AdaroundOptions & { hard?: boolean }, label = 'AdaRound'): Dispatch {
  const { n, inner, channels } = layout(label, o, v, params, wFloor, wOut);
  if (o.gap) {
    if (o.gap.size < n * 4) throw new Error(`${label}: gap holds ${o.gap.size / 4} words, V has ${n}`);
    const u = gpu.uniform(label, [n, inner, channels, o.hard ? 1 : 0]);
    return gpu.dispatch('adaround-levels', [wFloor, v.buffer, params, o.gap, wOut.buffer, u], elementGrid(gpu, n, 256), {}, label);
  }
  const u = gpu.uniform(label, [n, inner, channels, o.hard ? 1 : 0], [o.qmin, o.qmax]);
  return gpu.dispatch('adaround', [wFloor, v.buffer, params, wOut.buffer, u], elementGrid(gpu, n, 256), {}, label);
}

/**
 * dV = dW·s·1[qmin ≤ wFloor + z ≤ qmax − 1]·h'(V) + λ·∂/∂V Σ(1 − |2h − 1|^β) (β, λ from the step
 * uniform), overwritten; regPartials[0..adaroundRegPartials(n)) get λ·Σ(1 − |2h − 1|^β) per
 * workgroup (add them with reduceSum). One dispatch, returned as a list like the other backwards.
 */
export function adaroundBackward(
  gpu: Gpu,
  dW: GpuTensor,
  wFloor: GPUBuffer,
  v: GpuTensor,
  params: GPUBuffer,
  dV: GpuTensor,
  regPartials: GPUBuffer,
  o: AdaroundOptions,
  step: GPUBuffer,
  label = 'AdaRoundGrad',
): Dispatch[] {
  const { n, inner, channels } = layout(label, o, v, params, wFloor, dW, dV);
  const groups = partialSlots(n);
  if (regPartials.size < groups * 4) throw new Error(`${label}: regPartials needs ${groups} f32 slots, has ${regPartials.size / 4}`);
  if (o.gap) {
    if (o.gap.size < n * 4) throw new Error(`${label}: gap holds ${o.gap.size / 4} words, V has ${n}`);
    const u = gpu.uniform(label, [n, inner, channels, groups]);
    return [gpu.dispatch('adaround-levels-grad', [dW.buffer, o.gap, v.buffer, params, dV.buffer, regPartials, u, step], [groups, 1, 1], {}, label)];
  }
  const u = gpu.uniform(label, [n, inner, channels, groups], [o.qmin, o.qmax]);
  return [gpu.dispatch('adaround-grad', [dW.buffer, wFloor, v.buffer, params, dV.buffer, regPartials, u, step], [groups, 1, 1], {}, label)];
}
