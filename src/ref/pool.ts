// Pooling shape rules shared with Conv (output shape with ceil_mode, auto_pad → pads) and float64
// references of MaxPool / AveragePool (1–3 spatial dims) and GlobalMax/AveragePool.

export type PoolKind = 'max' | 'avg';
export type AutoPad = 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';

export interface PoolParams {
  kernel: number[];
  strides: number[];
  /** [begin..., end...] per spatial dimension, as in ONNX. */
  pads: number[];
  dilations: number[];
  countIncludePad: boolean;
}

/** What a max over an all-padding window gives (onnxruntime starts from the lowest float). */
export const LOWEST_F32 = -3.4028234663852886e38;

/**
 * Output shape of a pooling (or convolution) window. inShape is [N, C, ...spatial] (the result is
 * [N, C, ...out]) or just the spatial dimensions. With ceilMode the last window must start inside
 * the input or the begin padding (the PyTorch / onnxruntime rule).
 */
export function poolOutputShape(
  inShape: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  pads: readonly number[],
  dilations: readonly number[],
  ceilMode: boolean,
): number[] {
  const r = kernel.length;
  const lead = inShape.length - r;
  if (lead !== 0 && lead !== 2) throw new Error(`pool: input rank ${inShape.length} does not fit ${r} spatial dimensions`);
  const out = inShape.slice(0, lead);
  for (let d = 0; d < r; d++) {
    const size = inShape[lead + d];
    const span = (kernel[d] - 1) * (dilations[d] ?? 1) + 1;
    const s = strides[d] ?? 1;
    const room = size + pads[d] + pads[r + d] - span;
    let o = (ceilMode ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
    if (ceilMode && o > 0 && (o - 1) * s >= size + pads[d]) o -= 1;
    out.push(Math.max(0, o));
  }
  return out;
}

/** Explicit [begin..., end...] pads for an ONNX auto_pad (NOTSET gives `explicit`, or zeros). */
export function resolveAutoPad(
  autoPad: AutoPad | string,
  inSpatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  explicit?: readonly number[],
): number[] {
  const r = inSpatial.length;
  if (autoPad === 'NOTSET' || autoPad === '') return explicit ? [...explicit] : new Array<number>(2 * r).fill(0);
  if (autoPad === 'VALID') return new Array<number>(2 * r).fill(0);
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw new Error(`unknown auto_pad "${autoPad}"`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < r; d++) {
    const s = strides[d] ?? 1;
    const out = Math.ceil(inSpatial[d] / s);
    const total = Math.max(0, (out - 1) * s + (kernel[d] - 1) * (dilations[d] ?? 1) + 1 - inSpatial[d]);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  return [...begin, ...end];
}

/**
 * y for x [N, C, ...spatial] and a caller-computed output shape. Padding never wins a max; an
 * average divides by the in-bounds count, or with countIncludePad by the count inside the
 * padded input (window parts past the end padding, from ceil_mode, never count).
 */
export function poolRef(
  kind: PoolKind,
  x: ArrayLike<number>,
  shape: readonly number[],
  p: PoolParams,
  outShape: readonly number[],
): Float64Array {
  const r = shape.length - 2;
  const inSp = shape.slice(2);
  const outSp = outShape.slice(2);
  const inSize = inSp.reduce((a, b) => a * b, 1);
  const outSize = outSp.reduce((a, b) => a * b, 1);
  const y = new Float64Array(shape[0] * shape[1] * outSize);
  const kSize = p.kernel.reduce((a, b) => a * b, 1);
  for (let nc = 0; nc < shape[0] * shape[1]; nc++) {
    for (let o = 0; o < outSize; o++) {
      const pos: number[] = [];
      for (let d = r - 1, rem = o; d >= 0; d--) {
        pos[d] = rem % outSp[d];
        rem = Math.floor(rem / outSp[d]);
      }
      let acc = kind === 'max' ? LOWEST_F32 : 0;
      let inBounds = 0;
      let inPadded = 0;
      for (let k = 0; k < kSize; k++) {
        let idx = 0;
        let valid = true;
        let padded = true;
        for (let d = r - 1, rem = k; d >= 0; d--) {
          const q = pos[d] * p.strides[d] - p.pads[d] + (rem % p.kernel[d]) * p.dilations[d];
          rem = Math.floor(rem / p.kernel[d]);
          if (q < 0 || q >= inSp[d]) valid = false;
          if (q >= inSp[d] + p.pads[r + d]) padded = false;
          idx = idx + q * inSp.slice(d + 1).reduce((a, b) => a * b, 1);
        }
        if (padded) inPadded++;
        if (!valid) continue;
        inBounds++;
        const v = x[nc * inSize + idx];
        acc = kind === 'max' ? Math.max(acc, v) : acc + v;
      }
      const count = p.countIncludePad ? inPadded : inBounds;
      y[nc * outSize + o] = kind === 'max' ? acc : count > 0 ? acc / count : 0;
    }
  }
  return y;
}

/** GlobalMaxPool / GlobalAveragePool: one value per (n, c) over all spatial positions. */
export function globalPoolRef(kind: PoolKind, x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const rows = shape[0] * shape[1];
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  const y = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let acc = kind === 'max' ? LOWEST_F32 : 0;
    for (let j = 0; j < s; j++) {
      const v = x[row * s + j];
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
    }
    y[row] = kind === 'max' ? acc : acc / s;
  }
  return y;
}
