// Grid sizes of the element-wise kernels, per adapter. Their shaders loop with a grid stride, so any
// grid covers any n. A CPU adapter (SwiftShader, lavapipe) runs a workgroup as a loop over SIMD lanes
// on one core and pays a fixed cost per workgroup: a few long-running workgroups, about 64 per core,
// are 3-4x faster there than one element per invocation (measured on ReLU over 2 MB). A GPU wants
// one element per invocation and as many workgroups as that takes.
import { grid, type Gpu } from './gpu';
import { kernelFamily } from './family';

function cores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return n && n > 0 ? n : 2;
}

/** Workgroups of a CPU adapter's element-wise dispatch: ~64 per core, at least 128. */
export function cpuElementGroups(): number {
  return Math.max(128, 64 * cores());
}

/** The grid of an element-wise kernel over n items with `wg` invocations per workgroup. */
export function elementGrid(gpu: Gpu, n: number, wg: number): [number, number, number] {
  const groups = Math.ceil(n / wg);
  return grid(kernelFamily(gpu) === 'cpu' ? Math.min(groups, cpuElementGroups()) : groups);
}
