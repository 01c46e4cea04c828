// Float64 reference of the ONNX reductions (ReduceSum/Mean/Max/Min/L2) over a set of axes, and
// the shape arithmetic they share with the engine: normalized axes and the output shape.

export type ReduceKind = 'Sum' | 'Mean' | 'Max' | 'Min' | 'L2';

/** The value a reduction starts from (what an empty set reduces to, before `post`). */
export function reduceInit(kind: ReduceKind): number {
  return kind === 'Max' ? -Infinity : kind === 'Min' ? Infinity : 0;
}

/** Applied to every element before combining. */
function pre(kind: ReduceKind, v: number): number {
  return kind === 'L2' ? v * v : v;
}

function combine(kind: ReduceKind, a: number, b: number): number {
  return kind === 'Max' ? Math.max(a, b) : kind === 'Min' ? Math.min(a, b) : a + b;
}

/** Applied to the combined value of `count` elements. */
function post(kind: ReduceKind, acc: number, count: number): number {
  return kind === 'Mean' ? acc / count : kind === 'L2' ? Math.sqrt(acc) : acc;
}

/**
 * Axes in [0, rank), sorted and checked: negative axes count from the end, a repeated or
 * out-of-range axis throws.
 */
export function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => (a < 0 ? a + rank : a));
  out.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`axis ${axes[i]} is out of range for rank ${rank}`);
  });
  if (new Set(out).size !== out.length) throw new Error(`axes [${axes.join(', ')}] repeat an axis`);
  return out.sort((a, b) => a - b);
}

/** The output shape: reduced axes become 1 (keepdims) or disappear. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const set = new Set(axes);
  return keepdims ? shape.map((d, k) => (set.has(k) ? 1 : d)) : shape.filter((_, k) => !set.has(k));
}

/**
 * Reduce x (row-major, `shape`) over `axes` (normalized). The result is in row-major order of
 * the kept axes, which is the same for keepdims and not. Empty axes reduce nothing: each element
 * is its own set, so `pre`/`post` still apply (ReduceL2 gives |x|), as ONNX's noop_with_empty_axes.
 */
export function reduceRef(kind: ReduceKind, x: ArrayLike<number>, shape: readonly number[], axes: readonly number[]): Float64Array {
  const rank = shape.length;
  const reduced = new Set(axes);
  const strides = new Array<number>(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k];
  }
  const kept = shape.map((_, k) => k).filter((k) => !reduced.has(k));
  const red = [...axes];
  const outCount = kept.reduce((n, k) => n * shape[k], 1);
  const count = red.reduce((n, k) => n * shape[k], 1);
  const y = new Float64Array(outCount);
  for (let o = 0; o < outCount; o++) {
    let base = 0;
    for (let j = kept.length - 1, rem = o; j >= 0; j--) {
      base += (rem % shape[kept[j]]) * strides[kept[j]];
      rem = Math.floor(rem / shape[kept[j]]);
    }
    let acc = reduceInit(kind);
    for (let r = 0; r < count; r++) {
      let off = base;
      for (let j = red.length - 1, rem = r; j >= 0; j--) {
        off += (rem % shape[red[j]]) * strides[red[j]];
        rem = Math.floor(rem / shape[red[j]]);
      }
      acc = combine(kind, acc, pre(kind, x[off]));
    }
    y[o] = post(kind, acc, count);
  }
  return y;
}
