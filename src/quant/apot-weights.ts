// APoT weights (DESIGN.md §8): α per output channel by the MSE search of §2 with APoT projection in
// place of rounding (the same 100 candidates α_i = max|w|·i/100, scored on the GPU, the best
// MSE_SHORTLIST rescored in float64, the first smallest wins), then the integer level codes.
import type { Gpu } from '../gpu/gpu';
import { apotLevelBuffers, apotMse, apotProject, destroyLevelBuffers, readCodes } from '../gpu/kernels/apot';
import { apotScoreRef, apotWeightBits, apotWeightCodes } from '../ref/apot';
import { EPS, MSE_STEPS, mseCandidateRange } from './observers/qparams';
import { MSE_SHORTLIST } from './observers/mse-search';
import type { QRange, WeightQuant } from './types';

export { apotWeightBits };

/** The code range of b-bit APoT weights: ±M, M the largest level code (4-bit: ±10). */
export function apotRange(bits: number): QRange {
  const levels = apotWeightCodes(bits);
  const m = levels[levels.length - 1];
  return { bits, signed: true, qmin: -m, qmax: m };
}

/** Floats of weights per GPU block of the search (rows split so a block's buffers stay small). */
const BLOCK_FLOATS = 1 << 22;

/** The step s_i = α_i / M of candidate i (1..MSE_STEPS) for a row in [min, max]: α_i = max|w|·i/100, §2's symmetric grid. */
function candidateScale(min: number, max: number, i: number, m: number): number {
  const amax = Math.max(-min, max);
  const alpha = mseCandidateRange(-amax, amax, { bits: 8, signed: true, qmin: -m, qmax: m }, i)[1];
  return Math.max(Math.fround(alpha / m), EPS);
}

/**
 * Per row of `rows` ([r, cols], rows on axis 0), the step s = α/M of the candidate with the smallest
 * Σ|w − Q(w)|^2.4 under APoT projection onto ±levels·s.
 */
export async function apotSearch(gpu: Gpu, rows: Float32Array, count: number, levels: Int32Array, label = 'apot'): Promise<Float32Array> {
  const cols = rows.length / count;
  if (!Number.isInteger(cols) || count <= 0) throw new Error(`apotSearch ${label}: ${rows.length} values do not split into ${count} rows`);
  const m = levels[levels.length - 1];
  const out = new Float32Array(count);
  const block = Math.max(1, Math.floor(BLOCK_FLOATS / Math.max(cols, MSE_STEPS)));
  const lv = apotLevelBuffers(gpu, levels, `${label}.apot`);
  try {
    for (let r0 = 0; r0 < count; r0 += block) {
      const n = Math.min(block, count - r0);
      const data = rows.subarray(r0 * cols, (r0 + n) * cols);
      const ranges = Array.from({ length: n }, (_, r) => {
        const v = data.subarray(r * cols, (r + 1) * cols);
        let lo = 0;
        let hi = 0;
        for (let j = 0; j < v.length; j++) {
          if (v[j] < lo) lo = v[j];
          if (v[j] > hi) hi = v[j];
        }
        return [lo, hi];
      });
      const scales = new Float32Array(n * MSE_STEPS);
      ranges.forEach(([lo, hi], r) => {
        for (let i = 1; i <= MSE_STEPS; i++) scales[r * MSE_STEPS + i - 1] = candidateScale(lo, hi, i, m);
      });
      const owned: GPUBuffer[] = [];
      let scores: Float32Array;
      try {
        const w = gpu.tensor(`${label}.apot.w`, [n, cols], data);
        const s = gpu.tensor(`${label}.apot.scales`, [n * MSE_STEPS], scales);
        const o = gpu.buffer(`${label}.apot.scores`, n * MSE_STEPS * 4);
        owned.push(w.buffer, s.buffer, o);
        await gpu.run([apotMse(gpu, w, s.buffer, MSE_STEPS, lv, o, `${label}.apot-mse`, owned)]);
        scores = await gpu.read(o, n * MSE_STEPS);
      } finally {
        for (const b of owned) b.destroy();
      }
      for (let r = 0; r < n; r++) {
        const row = scores.subarray(r * MSE_STEPS, (r + 1) * MSE_STEPS);
        const score = (k: number) => (Number.isNaN(row[k]) ? Infinity : row[k]);
        const order = Array.from(row.keys()).sort((a, b) => score(a) - score(b) || a - b);
        // the shortlist in candidate order, so that the first smallest exact score wins (as QDrop's loop keeps it)
        const short = order.slice(0, MSE_SHORTLIST).sort((a, b) => a - b);
        const v = data.subarray(r * cols, (r + 1) * cols);
        let [best, bestScore] = [short[0], Infinity];
        for (const k of short) {
          const e = apotScoreRef(v, scales[r * MSE_STEPS + k], levels);
          if (e < bestScore) [best, bestScore] = [k, e];
        }
        out[r0 + r] = scales[r * MSE_STEPS + best];
      }
    }
  } finally {
    destroyLevelBuffers(lv);
  }
  return out;
}

/** Integer codes of a weight (any layout) projected with one step per channel of `axis` (−1: one step). */
export async function apotCodes(gpu: Gpu, w: Float32Array, dims: number[], axis: number, scales: Float32Array, levels: Int32Array, label = 'apot'): Promise<Int32Array> {
  const lv = apotLevelBuffers(gpu, levels, `${label}.apot`);
  const owned: GPUBuffer[] = [];
  try {
    const t = gpu.tensor(`${label}.apot.w`, dims, w);
    const s = gpu.tensor(`${label}.apot.steps`, [scales.length], scales);
    const codes = gpu.buffer(`${label}.apot.codes`, w.length * 4);
    owned.push(t.buffer, s.buffer, codes);
    await gpu.run([apotProject(gpu, t, s.buffer, lv, codes, axis, `${label}.apot-project`, owned)]);
    return await readCodes(gpu, codes, w.length);
  } finally {
    for (const b of owned) b.destroy();
    destroyLevelBuffers(lv);
  }
}

/**
 * An APoT weight quantizer: `rows` is the weight with its channel axis first ([channels, …], or the
 * whole tensor as one row per tensor), `w` the weight as stored; codes ±levels, zero point 0,
 * scale α/M per channel (what DequantizeLinear multiplies the codes by).
 */
export async function apotWeightQuant(
  gpu: Gpu,
  w: Float32Array,
  rows: Float32Array,
  rowDims: number[],
  dims: number[],
  axis: number,
  bits: number,
  label: string,
): Promise<Pick<WeightQuant, 'range' | 'scales' | 'zeroPoints' | 'codes' | 'levels'>> {
  const levels = apotWeightCodes(bits);
  const count = axis < 0 ? 1 : rowDims[0];
  const scales = await apotSearch(gpu, rows, count, levels, label);
  const codes = await apotCodes(gpu, w, dims, axis, scales, levels, label);
  return { range: apotRange(bits), scales, zeroPoints: new Int32Array(count), codes, levels };
}
