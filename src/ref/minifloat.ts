// Float64 reference of QuantizeLinear to float8 / float4 (shaders/lib/minifloat.wgsl): the float32
// quotient fl(x / s) rounded to the nearest value of the format, ties to even (ml_dtypes' cast, which
// ONNX's reference uses). With saturate, ±∞ and every value beyond the largest finite one give ±max;
// without, a result beyond it is ±∞ where the format has ∞ (e5m2) and NaN where not. NaN stays NaN
// (float4e2m1 has no NaN code: the engine keeps NaN where ml_dtypes gives ∓0). fnuz formats have no −0.
// Results are the values themselves, all exact in float32. Also the engine's constant folding.
import { MINIFLOATS, type MiniFloat } from '../onnx/minifloat';
import { paramIndex, type QdqLayout } from './qdq-linear';
import { roundHalfEven } from './round';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** ⌊log2 a⌋ of a finite a > 0, exactly (from the float64 exponent; float32 values are never subnormal in float64). */
function exponentOf(a: number): number {
  f64[0] = a;
  return ((u32[1] >>> 20) & 0x7ff) - 1023;
}

/** v rounded to the format `f`, nearest even, with ONNX's saturation rules (see the file header). */
export function roundToMiniFloat(v: number, f: MiniFloat, saturate: boolean): number {
  if (Number.isNaN(v)) return NaN;
  const a = Math.abs(v);
  let r = Infinity;
  if (a === 0) r = 0;
  else if (a !== Infinity) {
    const ulp = 2 ** (Math.max(exponentOf(a), 1 - f.bias) - f.man); // the format's spacing at a (subnormals: at its smallest)
    r = roundHalfEven(a / ulp) * ulp;
  }
  if (r > f.max) {
    if (saturate || f.special === 'finite') r = f.max; // float4e2m1 saturates always (ONNX's saturate is for float8)
    else if (f.special === 'ieee') r = Infinity;
    else return NaN;
  }
  if (v > 0 || Object.is(v, 0)) return r;
  return f.special === 'fnuz' && r === 0 ? 0 : -r;
}

export const roundE4M3FN = (v: number, saturate = true): number => roundToMiniFloat(v, MINIFLOATS[17], saturate);
export const roundE4M3FNUZ = (v: number, saturate = true): number => roundToMiniFloat(v, MINIFLOATS[18], saturate);
export const roundE5M2 = (v: number, saturate = true): number => roundToMiniFloat(v, MINIFLOATS[19], saturate);
export const roundE5M2FNUZ = (v: number, saturate = true): number => roundToMiniFloat(v, MINIFLOATS[20], saturate);
export const roundE2M1 = (v: number): number => roundToMiniFloat(v, MINIFLOATS[23], true);

/** QuantizeLinear to a small float format: round(fl32(x / s)) per element (the zero point must be 0). */
export function quantizeMiniFloatRef(x: ArrayLike<number>, scale: ArrayLike<number>, l: QdqLayout, f: MiniFloat, saturate: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = roundToMiniFloat(Math.fround(Math.fround(x[i]) / Math.fround(scale[paramIndex(l, i)])), f, saturate);
  return y;
}
