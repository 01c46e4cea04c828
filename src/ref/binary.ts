// Float64 references of Add/Sub/Mul/Div with numpy-style multidirectional broadcasting, and the
// broadcast shape rule itself (shared with shape inference and constant folding).
import type { BinaryOp } from '../gpu/kernels/binary';
import { numel, stridesOf } from '../gpu/kernels/layout';

/** The numpy broadcast of two shapes; throws if a dimension pair is neither equal nor 1. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast: dimension ${k} is ${da} vs ${db}`);
    }
    out[k] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` (right-aligned) while walking `outShape`: 0 on broadcast dimensions. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, k) => (k < lead || shape[k - lead] === 1 ? 0 : own[k - lead]));
}

function apply(op: BinaryOp, p: number, q: number): number {
  switch (op) {
    case 'Add': return p + q;
    case 'Sub': return p - q;
    case 'Mul': return p * q;
    default: return p / q;
  }
}

export function binaryRef(
  op: BinaryOp,
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
): { data: Float64Array; shape: number[] } {
  const shape = broadcastShape(aShape, bShape);
  const sa = broadcastStrides(aShape, shape);
  const sb = broadcastStrides(bShape, shape);
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    let rem = i;
    let ia = 0;
    let ib = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      ia += c * sa[d];
      ib += c * sb[d];
    }
    data[i] = apply(op, a[ia], b[ib]);
  }
  return { data, shape };
}
