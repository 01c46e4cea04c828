// Float64 reference of Transpose: output dimension k is input dimension perm[k].
import { numel, stridesOf } from '../gpu/kernels/layout';

/** Throws unless perm is a permutation of 0..rank-1. */
export function checkPerm(perm: readonly number[], rank: number): void {
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new Error(`perm [${perm.join(', ')}] is not a permutation of 0..${rank - 1}`);
  }
}

export function transposeRef(
  data: ArrayLike<number>,
  shape: readonly number[],
  perm: readonly number[],
): { data: Float64Array; shape: number[] } {
  checkPerm(perm, shape.length);
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesOf(shape);
  const stride = perm.map((p) => inStrides[p]);
  const out = new Float64Array(numel(outShape));
  for (let i = 0; i < out.length; i++) {
    let rem = i;
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      src += (rem % outShape[d]) * stride[d];
      rem = Math.floor(rem / outShape[d]);
    }
    out[i] = data[src];
  }
  return { data: out, shape: outShape };
}
