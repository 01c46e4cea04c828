// ONNX reductions ReduceSum/Mean/Max/Min/L2 (shaders/reduce.wgsl): axes as an attribute (before
// opset 13 for ReduceSum, 18 for the others) or a constant input, keepdims, noop_with_empty_axes.
import { reduce } from '../../gpu/kernels/reduce';
import { normalizeAxes, reducedShape, reduceRef, type ReduceKind } from '../../ref/reduce';
import type { OpCtx, OpDef } from './op';

/** The first opset where each reduction takes its axes as input 1 (and has noop_with_empty_axes). */
const AXES_INPUT_FROM: Record<ReduceKind, number> = { Sum: 13, Mean: 18, Max: 18, Min: 18, L2: 18 };

/**
 * The normalized axes to reduce and the output shape. No axes (absent or empty) reduce every axis,
 * or none with noop_with_empty_axes = 1: each element is then its own set.
 */
export function reducePlan(c: OpCtx, kind: ReduceKind): { axes: number[]; shape: number[] } {
  const x = c.in(0).shape;
  const asInput = c.opset >= AXES_INPUT_FROM[kind];
  const input = asInput ? c.constInput(1, `Reduce${kind} axes`) : undefined;
  // an axes attribute past its opset is invalid ONNX, but unambiguous: honour it
  const given = input ? [...input] : c.ints('axes');
  let axes: number[];
  if (!given?.length) {
    axes = asInput && c.int('noop_with_empty_axes', 0) === 1 ? [] : x.map((_, k) => k);
  } else {
    try {
      axes = normalizeAxes(given, x.length);
    } catch (e) {
      return c.fail((e as Error).message);
    }
  }
  return { axes, shape: reducedShape(x, axes, c.int('keepdims', 1) !== 0) };
}

function reduceDef(kind: ReduceKind): OpDef {
  return {
    infer: (c) => [{ shape: reducePlan(c, kind).shape, dtype: c.in(0).dtype }],
    fold: (c) => [reduceRef(kind, c.in(0).values!(), c.in(0).shape, reducePlan(c, kind).axes)],
    gpu: (c, l) => {
      c.requireFloat(0);
      l.emit(reduce(l.gpu, kind, l.input(0), l.output(0), reducePlan(c, kind).axes, `Reduce${kind}(${c.node.name || c.node.outputs[0]})`));
    },
  };
}

export const reduceOps: Record<string, OpDef> = {
  ReduceSum: reduceDef('Sum'),
  ReduceMean: reduceDef('Mean'),
  ReduceMax: reduceDef('Max'),
  ReduceMin: reduceDef('Min'),
  ReduceL2: reduceDef('L2'),
};
