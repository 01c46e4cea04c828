// Float64 references of shaders/binary.wgsl (Add … Equal, Expand) with numpy-style multidirectional
// broadcasting, the variadic Sum/Mean/Max/Min, and the broadcast shape rule itself (shared with
// shape inference and constant folding).
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

function apply(op: BinaryOp | 'Expand', p: number, q: number): number {
  switch (op) {
    case 'Add': return p + q;
    case 'Sub': return p - q;
    case 'Mul': return p * q;
    case 'Div': return p / q;
    case 'Pow': return p ** q;
    case 'PRelu': return p >= 0 ? p : q * p;
    case 'Max': return Math.max(p, q);
    case 'Min': return Math.min(p, q);
    case 'Equal': return p === q ? 1 : 0;
    case 'Expand': return p;
  }
}

export function binaryRef(
  op: BinaryOp | 'Expand',
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  outShape: readonly number[] = broadcastShape(aShape, bShape),
): { data: Float64Array; shape: number[] } {
  const shape = [...outShape];
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

/** ONNX Expand: x broadcast with `shape` (the output is their numpy broadcast). */
export function expandRef(x: ArrayLike<number>, xShape: readonly number[], shape: readonly number[]): { data: Float64Array; shape: number[] } {
  const out = broadcastShape(xShape, shape);
  return binaryRef('Expand', x, xShape, x, xShape, out);
}

/** Variadic Sum/Mean/Max/Min of 1..N broadcasting inputs (Mean: the sum over N). */
export function variadicRef(op: 'Sum' | 'Mean' | 'Max' | 'Min', inputs: { data: ArrayLike<number>; shape: readonly number[] }[]): { data: Float64Array; shape: number[] } {
  const pair = op === 'Sum' || op === 'Mean' ? 'Add' : op;
  let acc: { data: Float64Array; shape: number[] } = { data: Float64Array.from(inputs[0].data), shape: [...inputs[0].shape] };
  for (const t of inputs.slice(1)) acc = binaryRef(pair, acc.data, acc.shape, t.data, t.shape);
  if (op === 'Mean') acc.data = acc.data.map((v) => v / inputs.length);
  return acc;
}
