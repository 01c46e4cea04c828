// Float64 reference of constant-mode Pad with ONNX pads [b0..bn-1, e0..en-1]; negative pads crop.
import { numel, stridesOf } from '../gpu/kernels/layout';

/** Output shape of Pad; throws if a pad crops more than the dimension holds. */
export function padOutputShape(shape: readonly number[], pads: readonly number[]): number[] {
  const r = shape.length;
  if (pads.length !== 2 * r) throw new Error(`Pad: ${pads.length} pads for rank ${r} (need ${2 * r})`);
  return shape.map((d, k) => {
    const o = d + pads[k] + pads[k + r];
    if (o < 0) throw new Error(`Pad: pads ${pads[k]}, ${pads[k + r]} crop axis ${k} of size ${d} below zero`);
    return o;
  });
}

export function padRef(
  data: ArrayLike<number>,
  shape: readonly number[],
  pads: readonly number[],
  value = 0,
): { data: Float64Array; shape: number[] } {
  const outShape = padOutputShape(shape, pads);
  const inStrides = stridesOf(shape);
  const y = new Float64Array(numel(outShape));
  for (let i = 0; i < y.length; i++) {
    let rem = i;
    let src = 0;
    let inside = true;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const j = (rem % outShape[d]) - pads[d];
      rem = Math.floor(rem / outShape[d]);
      if (j < 0 || j >= shape[d]) inside = false;
      src += j * inStrides[d];
    }
    y[i] = inside ? data[src] : value;
  }
  return { data: y, shape: outShape };
}
