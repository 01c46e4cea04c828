// Index ops on data: Gather (constant indices; shape subgraphs fold on the CPU), Tile (both through
// the resampling kernel as index-only tables) and Split (one Slice dispatch per output).
import { slice } from '../../gpu/kernels/slice';
import { sliceRef } from '../../ref/slice';
import { indexMap, resampleRef, type ResampleSpec } from '../../ref/resample';
import { lowerResample } from './resize';
import { normAxis, size, type OpCtx, type OpDef, type OutInfo } from './op';

/** Gather as a resampling of x viewed as [outer, axis, inner] (indices normalized and checked). */
function gatherSpec(c: OpCtx): ResampleSpec {
  const x = c.in(0).shape;
  const a = normAxis(c, c.int('axis', 0), x.length);
  const idx = c.constInput(1, 'Gather indices')!;
  const norm = Array.from(idx, (raw) => {
    const i = raw < 0 ? raw + x[a] : raw;
    if (!(i >= 0 && i < x[a])) c.fail(`index ${raw} is out of range for axis ${a} of size ${x[a]}`);
    return i;
  });
  const outer = size(x.slice(0, a));
  const inner = size(x.slice(a + 1));
  return { inShape: [outer, x[a], inner], outShape: [outer, norm.length, inner], axes: [null, indexMap(norm), null], extrapolation: 0 };
}

function tileSpec(c: OpCtx): ResampleSpec {
  const x = c.in(0).shape;
  const reps = [...c.constInput(1, 'Tile repeats')!];
  if (reps.length !== x.length || reps.some((r) => !(r >= 0) || !Number.isInteger(r))) c.fail(`repeats [${reps}] must be ${x.length} whole numbers ≥ 0`);
  return {
    inShape: [...x],
    outShape: x.map((d, k) => d * reps[k]),
    axes: x.map((d, k) => (reps[k] === 1 ? null : indexMap(Array.from({ length: d * reps[k] }, (_, o) => o % d)))),
    extrapolation: 0,
  };
}

/** Split's axis and the length of every output along it. */
export function splitPlan(c: OpCtx): { axis: number; lengths: number[] } {
  const x = c.in(0).shape;
  const axis = normAxis(c, c.int('axis', 0), x.length);
  const n = c.node.outputs.length;
  const dim = x[axis];
  const given = c.opset < 13 ? c.ints('split') : c.constInput(1, 'Split split') && [...c.constInput(1, 'Split split')!];
  let lengths: number[];
  if (given?.length) {
    if (c.has('num_outputs')) c.fail('num_outputs and split cannot both be given');
    lengths = given;
  } else if (c.opset >= 18) {
    const k = c.int('num_outputs', 0);
    if (k !== n) c.fail(`num_outputs is ${k} but the node has ${n} outputs`);
    const chunk = Math.ceil(dim / k);
    lengths = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  } else {
    if (dim % n !== 0) c.fail(`axis ${axis} of size ${dim} does not split into ${n} equal parts`);
    lengths = new Array<number>(n).fill(dim / n);
  }
  if (lengths.length !== n || lengths.some((l) => !(l >= 0)) || lengths.reduce((p, q) => p + q, 0) !== dim) {
    c.fail(`split [${lengths}] does not cut axis ${axis} of size ${dim} into ${n} outputs`);
  }
  return { axis, lengths };
}

/** Starts of output j: 0 everywhere but the split axis. */
function splitStarts(rank: number, axis: number, lengths: number[], j: number): number[] {
  const starts = new Array<number>(rank).fill(0);
  starts[axis] = lengths.slice(0, j).reduce((p, q) => p + q, 0);
  return starts;
}

export const gatherOps: Record<string, OpDef> = {
  Gather: {
    infer: (c) => {
      const x = c.in(0).shape;
      const a = normAxis(c, c.int('axis', 0), x.length);
      return [{ shape: [...x.slice(0, a), ...c.in(1).shape, ...x.slice(a + 1)], dtype: c.in(0).dtype }];
    },
    fold: (c) => [resampleRef(c.in(0).values!(), gatherSpec(c))],
    gpu: (c, l) => lowerResample(c, l, gatherSpec(c), true),
  },
  Tile: {
    infer: (c) => [{ shape: tileSpec(c).outShape, dtype: c.in(0).dtype }],
    fold: (c) => [resampleRef(c.in(0).values!(), tileSpec(c))],
    gpu: (c, l) => lowerResample(c, l, tileSpec(c)),
  },
  Split: {
    infer: (c): OutInfo[] => {
      const { axis, lengths } = splitPlan(c);
      return lengths.map((len) => ({ shape: c.in(0).shape.map((d, k) => (k === axis ? len : d)), dtype: c.in(0).dtype }));
    },
    fold: (c, outs) => {
      const { axis, lengths } = splitPlan(c);
      const x = c.in(0).shape;
      return outs.map((o, j) => sliceRef(c.in(0).values!(), x, splitStarts(x.length, axis, lengths, j), x.map(() => 1), o.shape));
    },
    gpu: (c, l, outs) => {
      c.requireFloat(0);
      const { axis, lengths } = splitPlan(c);
      const rank = c.in(0).shape.length;
      outs.forEach((o, j) => {
        if (c.node.outputs[j] && size(o.shape) > 0) l.emit(slice(l.gpu, l.input(0), l.output(j), splitStarts(rank, axis, lengths, j), new Array<number>(rank).fill(1)));
      });
    },
  },
};
