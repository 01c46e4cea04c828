// SQuant's WGSL stages against the float64 CPU implementation of the official algorithm on random
// v = W/s (fresh seed per run): identical codes (tolerance 0), planted edges (ties at .5, exact
// integers, values past the grid, zero kernels, equal priorities), and SQuant's invariants.
import { describe, expect, it } from 'vitest';
import { readCodes, squant, type SquantGrid, type SquantShape, type SquantStages, type SquantVariant } from './squant';
import { squantRef } from '../../ref/squant';
import { freshSeed, rng, testGpu } from '../../test/helpers';

interface Case {
  shape: SquantShape;
  bits: number;
  /** Planted edge values (else v stays inside the grid, where the invariants must hold). */
  edges: boolean;
  /** Every v on a 1/4 grid: error sums exactly on .5 thresholds, many equal priorities. */
  coarse?: boolean;
}

/** Per-channel min/max grid of random weights, as the asymmetric MinMax observer sets it, and v = W/s. */
function randomLayer(seed: number, c: Case): { v: Float32Array; grid: SquantGrid } {
  const r = rng(seed);
  const { channels, kernels, ksize } = c.shape;
  const per = kernels * ksize;
  const qmax = 2 ** c.bits - 1;
  const v = new Float32Array(channels * per);
  const zeroPoints: number[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const w = Array.from({ length: per }, () => (r() + r() + r() - 1.5) * (0.2 + r()));
    const lo = Math.min(0, ...w);
    const hi = Math.max(0, ...w);
    const s = Math.fround((hi - lo) / qmax || 1);
    const z = Math.min(Math.max(-Math.round(lo / s), 0), qmax);
    zeroPoints.push(z);
    for (let i = 0; i < per; i++) v[ch * per + i] = Math.min(Math.max(Math.fround(w[i] / s), -z), qmax - z);
  }
  if (c.edges) {
    const n = v.length;
    for (let i = 0; i < n; i++) {
      const z = zeroPoints[Math.floor(i / per)];
      const u = r();
      // coarse values: many equal |e| and sums exactly on .5 and integer thresholds
      if (u < 0.15) v[i] = Math.round(v[i] * 8) / 8;
      else if (u < 0.2) v[i] = Math.round(v[i]) + 0.5;
      else if (u < 0.23) v[i] = Math.round(v[i]);
      else if (u < 0.26) v[i] = Math.fround((r() < 0.5 ? -z - r() * 0.6 : qmax - z + r() * 0.6)); // past the grid
    }
    if (ksize > 1) for (let j = 0; j < ksize; j++) v[j] = 0; // a zero kernel: Σe = 0 exactly
  }
  if (c.coarse) for (let i = 0; i < v.length; i++) v[i] = Math.round(v[i] * 4) / 4;
  return { v, grid: { zeroPoints, qmin: 0, qmax } };
}

async function gpuCodes(v: Float32Array, shape: SquantShape, grid: SquantGrid, stages: SquantStages = {}, variant: SquantVariant = 'auto'): Promise<Int32Array> {
  const gpu = await testGpu();
  const vt = gpu.tensor('squant.v', [v.length], v);
  const run = squant(gpu, vt, shape, grid, stages, 'SQuant', variant);
  try {
    await gpu.run(run.dispatches);
    return await readCodes(gpu, run.codes, v.length);
  } finally {
    vt.buffer.destroy();
    for (const b of run.owned) b.destroy();
  }
}

/** Largest |Σ(code − z − v)| over groups of `size` elements. */
function worstSum(codes: Int32Array, v: Float32Array, grid: SquantGrid, per: number, size: number): number {
  let worst = 0;
  for (let g = 0; g < v.length / size; g++) {
    let s = 0;
    for (let i = g * size; i < (g + 1) * size; i++) s += codes[i] - grid.zeroPoints[Math.floor(i / per)] - v[i];
    worst = Math.max(worst, Math.abs(s));
  }
  return worst;
}

function firstDiff(a: Int32Array, b: Int32Array): string {
  const i = a.findIndex((x, k) => x !== b[k]);
  return i < 0 ? 'none' : `element ${i}: gpu ${a[i]}, ref ${b[i]} (${a.filter((x, k) => x !== b[k]).length} differ)`;
}

const shapes: [string, SquantShape, number][] = [
  ['conv 3×3 [12, 7, 9], 4-bit', { channels: 12, kernels: 7, ksize: 9 }, 4],
  ['conv 5×5 [5, 3, 25], 2-bit', { channels: 5, kernels: 3, ksize: 25 }, 2],
  ['depthwise 3×3 [40, 1, 9], 8-bit', { channels: 40, kernels: 1, ksize: 9 }, 8],
  ['1×1 [9, 300, 1], 3-bit', { channels: 9, kernels: 300, ksize: 1 }, 3],
  ['fully connected [4, 2000, 1], 4-bit', { channels: 4, kernels: 2000, ksize: 1 }, 4],
];

describe('SQuant kernels vs the official algorithm (float64)', () => {
  it.each(shapes)('%s: identical codes for E, E→K and E→K→C, with planted edges and on a coarse grid', async (_name, shape, bits) => {
    const seed = freshSeed();
    for (const coarse of [false, true]) {
      const { v, grid } = randomLayer(seed, { shape, bits, edges: true, coarse });
      for (const stages of [{ k: false, c: false }, { c: false }, {}] as SquantStages[]) {
        const want = squantRef(v, shape, grid, stages);
        for (const variant of ['workgroup', 'serial'] as const) {
          const got = await gpuCodes(v, shape, grid, stages, variant);
          expect(firstDiff(got, want), `seed ${seed}, coarse ${coarse}, stages ${JSON.stringify(stages)}, C per channel: ${variant}`).toBe('none');
        }
      }
    }
  });

  it.each(shapes)('%s: |Σe| ≤ ½ per kernel after K, per channel after C (≤ 1 per kernel)', async (_name, shape, bits) => {
    const seed = freshSeed();
    const { v, grid } = randomLayer(seed, { shape, bits, edges: false });
    const per = shape.kernels * shape.ksize;
    const tol = 1e-6; // the sums are decided exactly on the 2^-32 grid; this is float64 summation here
    const afterK = await gpuCodes(v, shape, grid, { c: false });
    const all = await gpuCodes(v, shape, grid);
    expect(firstDiff(all, squantRef(v, shape, grid)), `seed ${seed}`).toBe('none');
    expect(firstDiff(await gpuCodes(v, shape, grid, {}, 'workgroup'), all), `seed ${seed}: workgroup variant`).toBe('none');
    expect(firstDiff(await gpuCodes(v, shape, grid, {}, 'serial'), all), `seed ${seed}: serial variant`).toBe('none');
    const nearest = worstSum(await gpuCodes(v, shape, grid, { k: false, c: false }), v, grid, per, per);
    if (shape.ksize > 1) expect(worstSum(afterK, v, grid, per, shape.ksize), `seed ${seed}: kernels after K`).toBeLessThanOrEqual(0.5 + tol);
    expect(worstSum(all, v, grid, per, shape.ksize), `seed ${seed}: kernels after C`).toBeLessThanOrEqual(1 + tol);
    expect(worstSum(all, v, grid, per, per), `seed ${seed}: channels after C (nearest: ${nearest.toFixed(3)})`).toBeLessThanOrEqual(0.5 + tol);
  });

  it('rejects channels whose exact error sum could overflow', async () => {
    const gpu = await testGpu();
    const v = gpu.tensor('squant.big', [40000]);
    expect(() => squant(gpu, v, { channels: 1, kernels: 40000, ksize: 1 }, { zeroPoints: [0], qmin: 0, qmax: 15 })).toThrow(/40000 weights per output channel/);
    v.buffer.destroy();
  });
});
