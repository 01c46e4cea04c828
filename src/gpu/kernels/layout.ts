// Pure shape arithmetic shared by the strided kernels (binary, transpose, slice, pad) and their
// references: element counts, row-major strides, and dimension collapsing for shorter index loops.

/** Most dimensions a strided kernel's uniforms carry (two vec4 slots). */
export const MAX_RANK = 8;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** values padded with `fill` to `len` entries (uniform arrays have a fixed size). */
export function padTo(values: readonly number[], len = MAX_RANK, fill = 0): number[] {
  if (values.length > len) throw new Error(`rank ${values.length} exceeds the kernel limit of ${len}`);
  return [...values, ...new Array<number>(len - values.length).fill(fill)];
}

/**
 * Drop size-1 dimensions and merge neighbours that every stride list walks contiguously
 * (stride[k] = stride[k+1]·shape[k+1]), so [N,C,H,W] + [1,C,1,1] indexes as [N,C,H·W].
 * Strides may be 0 (broadcast) or negative (reversed slices).
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] === 1) continue;
    const last = outShape.length - 1;
    const mergeable =
      last >= 0 && strides.every((s, j) => s[k] === outStrides[j][last] * outShape[last]);
    if (mergeable) {
      outShape[last] *= shape[k];
    } else {
      outShape.push(shape[k]);
      strides.forEach((s, j) => outStrides[j].push(s[k]));
    }
  }
  outShape.reverse();
  for (const s of outStrides) s.reverse();
  return { shape: outShape, strides: outStrides };
}
