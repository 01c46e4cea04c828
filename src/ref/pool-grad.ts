// Float64 references of the pooling backward (shaders/pool-grad.wgsl, shaders/globalpool-grad.wgsl),
// written as a scatter over the output windows (the GPU gathers over dx instead).
import type { PoolKind, PoolParams } from './pool';

/**
 * dx for poolRef(kind, x, shape, p, outShape) and output gradient dy. Max: each window's dy goes to
 * its first largest in-bounds tap in kernel order (windows entirely in padding give nothing); avg:
 * dy / count to every in-bounds tap, count as poolRef's.
 */
export function poolGradRef(
  kind: PoolKind,
  x: ArrayLike<number>,
  shape: readonly number[],
  dy: ArrayLike<number>,
  p: PoolParams,
  outShape: readonly number[],
): Float64Array {
  const r = shape.length - 2;
  const inSp = shape.slice(2);
  const outSp = outShape.slice(2);
  const inSize = inSp.reduce((a, b) => a * b, 1);
  const outSize = outSp.reduce((a, b) => a * b, 1);
  const kSize = p.kernel.reduce((a, b) => a * b, 1);
  const dx = new Float64Array(shape[0] * shape[1] * inSize);
  for (let nc = 0; nc < shape[0] * shape[1]; nc++) {
    for (let o = 0; o < outSize; o++) {
      const pos: number[] = [];
      for (let d = r - 1, rem = o; d >= 0; d--) {
        pos[d] = rem % outSp[d];
        rem = Math.floor(rem / outSp[d]);
      }
      const inside: number[] = []; // in-bounds taps (input offsets), in kernel order
      let inPadded = 0;
      for (let k = 0; k < kSize; k++) {
        let idx = 0;
        let valid = true;
        let padded = true;
        for (let d = r - 1, rem = k, stride = 1; d >= 0; d--) {
          const q = pos[d] * p.strides[d] - p.pads[d] + (rem % p.kernel[d]) * p.dilations[d];
          rem = Math.floor(rem / p.kernel[d]);
          if (q < 0 || q >= inSp[d]) valid = false;
          if (q >= inSp[d] + p.pads[r + d]) padded = false;
          idx += q * stride;
          stride *= inSp[d];
        }
        if (padded) inPadded++;
        if (valid) inside.push(idx);
      }
      const g = dy[nc * outSize + o];
      if (kind === 'max') {
        let arg = -1;
        for (const idx of inside) if (arg < 0 || x[nc * inSize + idx] > x[nc * inSize + arg]) arg = idx;
        if (arg >= 0) dx[nc * inSize + arg] += g;
      } else {
        const count = p.countIncludePad ? inPadded : inside.length;
        for (const idx of inside) dx[nc * inSize + idx] += g / count;
      }
    }
  }
  return dx;
}

/** dx for globalPoolRef: avg dy / spatial everywhere; max dy at the first largest of each row. */
export function globalPoolGradRef(kind: PoolKind, x: ArrayLike<number>, shape: readonly number[], dy: ArrayLike<number>): Float64Array {
  const rows = shape[0] * shape[1];
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  const dx = new Float64Array(rows * s);
  for (let row = 0; row < rows; row++) {
    if (kind === 'avg') {
      dx.fill(dy[row] / s, row * s, (row + 1) * s);
      continue;
    }
    let arg = 0;
    for (let j = 1; j < s; j++) if (x[row * s + j] > x[row * s + arg]) arg = j;
    dx[row * s + arg] = dy[row];
  }
  return dx;
}
