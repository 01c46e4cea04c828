// Typed wrapper over shaders/resample.wgsl: separable resampling through per-axis tap tables
// (src/ref/resample.ts), which Resize/Upsample, Tile and Gather lower to.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { checkResample, type ResampleSpec } from '../../ref/resample';
import { numel, padTo, stridesOf } from './layout';

/** Where each axis's taps start in the packed table (in entries), and the taps per axis (0: identity). */
function layoutOf(s: ResampleSpec): { taps: number[]; base: number[]; entries: number } {
  let entries = 0;
  const base: number[] = [];
  const taps = s.axes.map((m, k) => {
    base.push(entries);
    if (!m) return 0;
    entries += s.outShape[k] * m.taps;
    return m.taps;
  });
  return { taps, base, entries };
}

/** The tables of every non-identity axis as (index, weight) float32 pairs, one after another (at least one entry). */
export function packResampleTable(s: ResampleSpec): Float32Array {
  checkResample(s);
  const { entries } = layoutOf(s);
  if (entries >= 2 ** 24) throw new Error(`resample: ${entries} table entries exceed float32's exact integers`);
  const out = new Float32Array(Math.max(2, 2 * entries));
  let e = 0;
  for (const m of s.axes) {
    if (!m) continue;
    for (let t = 0; t < m.idx.length; t++, e++) {
      out[2 * e] = m.idx[t];
      out[2 * e + 1] = m.w[t];
    }
  }
  return out;
}

/** y = the resampling of x by `s`; `table` holds packResampleTable(s). */
export function resample(gpu: Gpu, x: GpuTensor, y: GpuTensor, s: ResampleSpec, table: GpuTensor): Dispatch {
  checkResample(s);
  if (x.shape.join() !== s.inShape.join() || y.shape.join() !== s.outShape.join()) {
    throw new Error(`resample: x [${x.shape}] → y [${y.shape}] does not match the spec [${s.inShape}] → [${s.outShape}]`);
  }
  const { taps, base, entries } = layoutOf(s);
  if (numel(table.shape) < 2 * entries) throw new Error(`resample: the table holds ${numel(table.shape) / 2} of ${entries} entries`);
  if (x.shape.some((d) => d === 0) && numel(y.shape) > 0) throw new Error('resample: an empty input cannot fill a non-empty output');
  const n = numel(y.shape);
  const combos = taps.reduce((a, t) => a * Math.max(t, 1), 1);
  const label = `Resample [${x.shape}] → [${y.shape}] (${combos} taps)`;
  const u = gpu.uniform(label, [n, x.shape.length, combos, 0, ...padTo(y.shape, 8, 1), ...padTo(stridesOf(x.shape)), ...padTo(taps), ...padTo(base)], [s.extrapolation]);
  return gpu.dispatch('resample', [x.buffer, y.buffer, table.buffer, u], grid(Math.ceil(n / 64)), {}, label);
}
