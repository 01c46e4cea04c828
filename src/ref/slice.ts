// ONNX Slice semantics (resolveSlice: negative indices, clamping, INT64 sentinels, negative steps)
// and the float64 reference of the resolved strided gather.
import { numel, stridesOf } from '../gpu/kernels/layout';

export interface ResolvedSlice {
  /** First index read on every axis (non-negative; 0 where the axis is empty). */
  starts: number[];
  /** Step on every axis (1 on axes not sliced). */
  steps: number[];
  outShape: number[];
}

/**
 * Resolve ONNX Slice inputs against a shape. starts/ends/axes/steps are the (int64-as-number)
 * tensors; axes default to 0..n-1 and may be negative; steps default to 1 and may be negative.
 */
export function resolveSlice(
  shape: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): ResolvedSlice {
  const rank = shape.length;
  const ax = axes ?? starts.map((_, i) => i);
  if (ends.length !== starts.length || ax.length !== starts.length || (steps && steps.length !== starts.length)) {
    throw new Error(`Slice: starts (${starts.length}), ends (${ends.length}), axes (${ax.length}) and steps (${steps?.length ?? '-'}) must have the same length`);
  }
  const out: ResolvedSlice = { starts: shape.map(() => 0), steps: shape.map(() => 1), outShape: [...shape] };
  const seen = new Set<number>();
  ax.forEach((axis, i) => {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) throw new Error(`Slice: axis ${axis} is out of range for rank ${rank}`);
    if (seen.has(a)) throw new Error(`Slice: axis ${axis} is repeated`);
    seen.add(a);
    const dim = shape[a];
    const step = steps ? steps[i] : 1;
    if (step === 0) throw new Error('Slice: a step of 0 is not allowed');
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const len = Math.max(0, Math.ceil((end - start) / step));
    out.starts[a] = len > 0 ? start : 0;
    out.steps[a] = step;
    out.outShape[a] = len;
  });
  return out;
}

/** y[j] = x[starts + j·steps] on every axis; outShape from resolveSlice. */
export function sliceRef(
  data: ArrayLike<number>,
  shape: readonly number[],
  starts: readonly number[],
  steps: readonly number[],
  outShape: readonly number[],
): Float64Array {
  const inStrides = stridesOf(shape);
  const base = starts.reduce((acc, s, k) => acc + s * inStrides[k], 0);
  const stride = steps.map((s, k) => s * inStrides[k]);
  const y = new Float64Array(numel(outShape));
  for (let i = 0; i < y.length; i++) {
    let rem = i;
    let src = base;
    for (let d = outShape.length - 1; d >= 0; d--) {
      src += (rem % outShape[d]) * stride[d];
      rem = Math.floor(rem / outShape[d]);
    }
    y[i] = data[src];
  }
  return y;
}
