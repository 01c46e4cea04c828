// Typed wrapper over shaders/mse-lattice.wgsl: per row and scale s, the running Σ n·|x − round(x/s)·s|^p
// of the row's sorted weighted points at every lattice point k·s, k ∈ [−L, L]; plus the upload of
// those points (shared with mse-tails.ts).
import { grid, type Dispatch, type Gpu } from '../gpu';

/** The norm of MQBench/QDrop's MSE observer score. */
export const LP_NORM = 2.4;

/** Weighted points per row on the GPU: row r's are [starts[r], starts[r + 1]) of xs/ns, sorted ascending. */
export interface GpuPoints {
  rows: number;
  xs: GPUBuffer;
  ns: GPUBuffer;
  starts: GPUBuffer;
}

/** Upload sorted points per row (ns absent: multiplicity 1). */
export function uploadPoints(gpu: Gpu, label: string, rows: { xs: Float32Array; ns?: Float32Array }[]): GpuPoints {
  const starts = new Uint32Array(rows.length + 1);
  rows.forEach((r, i) => (starts[i + 1] = starts[i] + r.xs.length));
  const total = starts[rows.length];
  const xs = new Float32Array(total);
  const ns = new Float32Array(total).fill(1);
  rows.forEach((r, i) => {
    xs.set(r.xs, starts[i]);
    if (r.ns) ns.set(r.ns, starts[i]);
  });
  const buf = (name: string, data: ArrayBufferView) => {
    const b = gpu.buffer(`${label}.${name}`, data.byteLength);
    gpu.write(b, data);
    return b;
  };
  return { rows: rows.length, xs: buf('xs', xs), ns: buf('ns', ns), starts: buf('starts', starts) };
}

export function destroyPoints(p: GpuPoints): void {
  for (const b of [p.xs, p.ns, p.starts]) b.destroy();
}

/**
 * out[row, i, k + levels] for `steps` scales per row (scales: f32 [rows, steps]); out must hold
 * rows·steps·(2·levels + 1) floats. The uniform buffer made goes to `owned`.
 */
export function mseLattice(gpu: Gpu, pts: GpuPoints, scales: GPUBuffer, steps: number, levels: number, out: GPUBuffer, label = 'mse-lattice', owned: GPUBuffer[] = []): Dispatch {
  const u = gpu.uniform(label, [pts.rows, steps, levels]);
  owned.push(u);
  return gpu.dispatch('mse-lattice', [pts.xs, pts.ns, pts.starts, scales, out, u], grid(Math.ceil((pts.rows * steps) / 64)), { P: LP_NORM }, label);
}
