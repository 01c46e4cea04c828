// IEEE binary16 on the CPU, rounded as the GPU's pack2x16float does: what float16 sample caches
// hold (writeSamples in src/gpu/kernels/sample-cache.ts packs with it; the cache kernels' tests compare with it).
import type { CachePrecision } from './kernels/sample-cache';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a float32, rounded to nearest even (overflow to ±∞, NaN kept NaN). */
export function halfBits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = man | 0x800000; // implicit bit
    const shift = 14 - e; // 14..24
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h; // a carry into the exponent field is the right answer (smallest normal)
  }
  let h = (e << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry may round up to ∞: right too
  return sign | h;
}

/** The float value of IEEE binary16 bits. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** Values a cache of this precision holds for `data` (float16 rounding for f16), as the GPU reads them. */
export function cachedValues(data: Float32Array, precision: CachePrecision): Float32Array {
  return precision === 'f32' ? data : Float32Array.from(data, (v) => halfValue(halfBits(v)));
}
