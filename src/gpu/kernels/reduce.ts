// Typed wrapper over shaders/reduce.wgsl: ReduceSum/Mean/Max/Min/L2 of a tensor over any set of
// axes. Neighbouring dimensions that are both kept or both reduced are merged first, so ReduceMean
// over H and W of NCHW walks one kept [N·C] and one reduced [H·W] dimension.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import { MAX_RANK, numel, padTo, stridesOf } from './layout';
import { reduceInit, type ReduceKind } from '../../ref/reduce';

const KINDS: Record<ReduceKind, number> = { Sum: 0, Mean: 1, Max: 2, Min: 3, L2: 4 };

export interface ReduceGroups {
  kept: { shape: number[]; strides: number[] };
  reduced: { shape: number[]; strides: number[] };
}

/** Kept and reduced dimension groups of `shape` (size-1 dimensions dropped, neighbours of one kind merged). */
export function reduceGroups(shape: readonly number[], axes: readonly number[]): ReduceGroups {
  const strides = stridesOf(shape);
  const set = new Set(axes);
  const kept = { shape: [] as number[], strides: [] as number[] };
  const reduced = { shape: [] as number[], strides: [] as number[] };
  let prev: typeof kept | undefined;
  for (let k = 0; k < shape.length; k++) {
    if (shape[k] === 1) continue;
    const g = set.has(k) ? reduced : kept;
    if (g === prev) {
      // the previous dimension of this group is the neighbour: [a, b] walks as one of a·b
      g.shape[g.shape.length - 1] *= shape[k];
      g.strides[g.strides.length - 1] = strides[k];
    } else {
      g.shape.push(shape[k]);
      g.strides.push(strides[k]);
    }
    prev = g;
  }
  if (!reduced.shape.length) {
    reduced.shape.push(1);
    reduced.strides.push(0);
  }
  return { kept, reduced };
}

/**
 * y = reduce(x) over `axes` (normalized, in [0, rank)); y holds the kept dimensions in order
 * (keepdims only changes its shape). Empty axes reduce each element alone (ReduceL2 gives |x|).
 */
export function reduce(gpu: Gpu, kind: ReduceKind, x: GpuTensor, y: GpuTensor, axes: readonly number[], label = `Reduce${kind}`): Dispatch {
  const g = reduceGroups(x.shape, axes);
  const n = numel(g.kept.shape);
  if (numel(y.shape) !== n) throw new Error(`${label}: output [${y.shape.join(', ')}] should hold ${n} values`);
  if (g.kept.shape.length > MAX_RANK || g.reduced.shape.length > MAX_RANK) throw new Error(`${label}: more than ${MAX_RANK} dimension groups`);
  const count = axes.reduce((c, a) => c * x.shape[a], 1);
  const ints = [
    n,
    g.kept.shape.length,
    g.reduced.shape.length,
    count,
    ...padTo(g.kept.shape, MAX_RANK, 1),
    ...padTo(g.kept.strides),
    ...padTo(g.reduced.shape, MAX_RANK, 1),
    ...padTo(g.reduced.strides),
  ];
  const u = gpu.uniform(label, ints, [reduceInit(kind)]);
  return gpu.dispatch('reduce', [x.buffer, y.buffer, u], elementGrid(gpu, n, 64), { KIND: KINDS[kind] }, label);
}
