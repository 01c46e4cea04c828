// Float64 reference of ONNX Where (shaders/where.wgsl): out = cond ? x : y, numpy broadcasting.
import { broadcastShape, broadcastStrides } from './binary';
import { numel } from '../gpu/kernels/layout';

/** The broadcast of the three operand shapes; throws if they do not broadcast. */
export function whereShape(c: readonly number[], x: readonly number[], y: readonly number[]): number[] {
  return broadcastShape(broadcastShape(c, x), y);
}

export function whereRef(
  cond: ArrayLike<number>,
  cShape: readonly number[],
  x: ArrayLike<number>,
  xShape: readonly number[],
  y: ArrayLike<number>,
  yShape: readonly number[],
): { data: Float64Array; shape: number[] } {
  const shape = whereShape(cShape, xShape, yShape);
  const [sc, sx, sy] = [cShape, xShape, yShape].map((s) => broadcastStrides(s, shape));
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    let rem = i;
    let ic = 0;
    let ix = 0;
    let iy = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      ic += c * sc[d];
      ix += c * sx[d];
      iy += c * sy[d];
    }
    data[i] = cond[ic] ? x[ix] : y[iy];
  }
  return { data, shape };
}
