// Separable resampling, the common form of Resize/Upsample, Tile and Gather: every output axis reads
// its input axis through a table of (index, weight) taps per output coordinate. Float64 reference.
import { numel, stridesOf } from '../gpu/kernels/layout';

/**
 * How one output axis reads its input axis: `taps` (index, weight) pairs per output coordinate,
 * output coordinate o's taps at [o·taps, (o+1)·taps). An index of −1 in a coordinate's first tap
 * marks it outside the input (tf_crop_and_resize): that output is the extrapolation value.
 */
export interface AxisMap {
  taps: number;
  idx: Int32Array;
  w: Float64Array;
}

/** A resampling: null axes are the identity (the output axis has the input's length). */
export interface ResampleSpec {
  inShape: number[];
  outShape: number[];
  axes: (AxisMap | null)[];
  extrapolation: number;
}

/** An index-only axis map (one tap of weight 1 per output coordinate): Tile, Gather, nearest. */
export function indexMap(idx: ArrayLike<number>): AxisMap {
  return { taps: 1, idx: Int32Array.from(idx), w: new Float64Array(idx.length).fill(1) };
}

/** Throws unless the spec is consistent: table sizes, indices inside the input, identity lengths. */
export function checkResample(s: ResampleSpec): void {
  const rank = s.inShape.length;
  if (s.outShape.length !== rank || s.axes.length !== rank) throw new Error(`resample: input rank ${rank}, output rank ${s.outShape.length}, ${s.axes.length} axis maps`);
  s.axes.forEach((m, k) => {
    if (!m) {
      if (s.outShape[k] !== s.inShape[k]) throw new Error(`resample: identity axis ${k} has ${s.inShape[k]} inputs but ${s.outShape[k]} outputs`);
      return;
    }
    if (!(m.taps >= 1) || m.idx.length !== s.outShape[k] * m.taps || m.w.length !== m.idx.length) {
      throw new Error(`resample: axis ${k} table holds ${m.idx.length} taps for ${s.outShape[k]} outputs × ${m.taps}`);
    }
    m.idx.forEach((i, t) => {
      const outside = i === -1 && t % m.taps === 0;
      if (!outside && (i < 0 || i >= s.inShape[k])) throw new Error(`resample: axis ${k} reads index ${i} of ${s.inShape[k]}`);
    });
  });
}

/** One axis at a time (the order does not matter for a tensor product), then outside points. */
export function resampleRef(x: ArrayLike<number>, s: ResampleSpec): Float64Array {
  checkResample(s);
  let data = Float64Array.from(x);
  const shape = [...s.inShape];
  for (let k = s.inShape.length - 1; k >= 0; k--) {
    const m = s.axes[k];
    if (!m) continue;
    const outer = numel(shape.slice(0, k));
    const inner = numel(shape.slice(k + 1));
    const inLen = shape[k];
    const outLen = s.outShape[k];
    const next = new Float64Array(outer * outLen * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < outLen; j++) {
        if (m.idx[j * m.taps] === -1) continue; // outside: filled below
        for (let t = 0; t < m.taps; t++) {
          const i = m.idx[j * m.taps + t];
          const wt = m.w[j * m.taps + t];
          const src = (o * inLen + i) * inner;
          const dst = (o * outLen + j) * inner;
          for (let e = 0; e < inner; e++) next[dst + e] += wt * data[src + e];
        }
      }
    }
    data = next;
    shape[k] = outLen;
  }
  const strides = stridesOf(s.outShape);
  s.axes.forEach((m, k) => {
    if (!m) return;
    for (let j = 0; j < s.outShape[k]; j++) {
      if (m.idx[j * m.taps] !== -1) continue;
      const outer = numel(s.outShape.slice(0, k));
      for (let o = 0; o < outer; o++) data.fill(s.extrapolation, (o * s.outShape[k] + j) * strides[k], (o * s.outShape[k] + j + 1) * strides[k]);
    }
  });
  return data;
}
