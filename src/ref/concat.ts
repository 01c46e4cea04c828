// Float64 reference of Concat along one axis, and the output-shape rule it checks.
import { numel } from '../gpu/kernels/layout';

/** The Concat output shape; axis may be negative. Throws if the other dimensions disagree. */
export function concatShape(shapes: readonly (readonly number[])[], axis: number): { shape: number[]; axis: number } {
  if (shapes.length === 0) throw new Error('Concat needs at least one input');
  const rank = shapes[0].length;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`Concat axis ${axis} is out of range for rank ${rank}`);
  const shape = [...shapes[0]];
  shape[a] = 0;
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, k) => k !== a && d !== shape[k])) {
      throw new Error(`Concat on axis ${a}: input shape [${s.join(', ')}] does not match [${shapes[0].join(', ')}]`);
    }
    shape[a] += s[a];
  }
  return { shape, axis: a };
}

export function concatRef(
  parts: readonly { data: ArrayLike<number>; shape: readonly number[] }[],
  axis: number,
): { data: Float64Array; shape: number[] } {
  const { shape, axis: a } = concatShape(parts.map((p) => p.shape), axis);
  const inner = numel(shape.slice(a + 1));
  const outer = numel(shape.slice(0, a));
  const yBlock = shape[a] * inner;
  const data = new Float64Array(numel(shape));
  let offset = 0;
  for (const p of parts) {
    const block = p.shape[a] * inner;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < block; j++) data[o * yBlock + offset + j] = p.data[o * block + j];
    }
    offset += block;
  }
  return { data, shape };
}
