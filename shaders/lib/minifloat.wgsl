// ONNX QuantizeLinear to a small float format (float8 e4m3fn/e4m3fnuz/e5m2/e5m2fnuz, float4 e2m1):
// fl(x / s) rounded to the format's nearest value, ties to even, returned as the float32 value (exact).
// The format: `man` mantissa bits, `emin` its smallest normal exponent, `fmax` its largest finite
// value, `flags` MF_SATURATE / MF_INF / MF_UNSIGNED_ZERO. Specials run on the bits, not on float
// compares (WGSL lets an adapter assume no NaN or ∞); ties settle exactly (lib/quantize-linear).
//!include quantize-linear

const MF_SATURATE = 1u;      // beyond fmax (∞ included) gives ±fmax, else ±∞ (MF_INF) or NaN
const MF_INF = 2u;           // the format has ±∞ (e5m2)
const MF_UNSIGNED_ZERO = 4u; // no −0 (fnuz): a negative result that rounds to 0 is +0

const MF_INF_BITS = 0x7f800000u;
const MF_NAN_BITS = 0x7fc00000u; // made a float only at run time (| sign): a constant NaN does not compile

// The bits of round(fl(x / s)) for finite x, s > 0, given q ≈ x / s (not yet saturated: may exceed
// fmax, or be ∞).
fn minifloat_round_bits(x: f32, s: f32, q: f32, man: u32, emin: i32) -> u32 {
  let eq = i32((bitcast<u32>(q) >> 23u) & 0xffu) - 127; // ⌊log2 q⌋; below emin for zero or subnormal q
  if (eq >= 20) { return MF_INF_BITS; } // ≥ 2^20·(1 − a few ulps): beyond every format's largest value
  // The format's spacing at q is 2^g. Near a power of two q may sit in the binade beside fl(x / s)'s;
  // both spacings then round it to that power of two.
  let g = max(eq, emin) - i32(man);
  return bitcast<u32>(ldexp(quantize_linear_round_pow2(x, s, ldexp(q, -g), g), g));
}

// The format's value nearest fl(x / s), given q ≈ x / s (the adapter's quotient), saturated per flags.
fn minifloat_quantize(x: f32, s: f32, q: f32, man: u32, emin: i32, fmax: f32, flags: u32) -> f32 {
  let xa = bitcast<u32>(x) & 0x7fffffffu;
  let sa = bitcast<u32>(s) & 0x7fffffffu;
  var sign = (bitcast<u32>(x) ^ bitcast<u32>(s)) & 0x80000000u;
  let x_inf = xa == MF_INF_BITS;
  let s_inf = sa == MF_INF_BITS;
  if (xa > MF_INF_BITS || sa > MF_INF_BITS || (xa == 0u && sa == 0u) || (x_inf && s_inf)) { return bitcast<f32>(MF_NAN_BITS | sign); }
  var r = 0u; // |result| as bits: x = 0 or s = ∞ give 0
  if (x_inf || sa == 0u) {
    r = MF_INF_BITS;
  } else if (xa != 0u && !s_inf) {
    r = minifloat_round_bits(bitcast<f32>(xa), bitcast<f32>(sa), abs(q), man, emin);
  }
  if (r > bitcast<u32>(fmax)) { // bits of non-negative floats order as their values
    if ((flags & MF_SATURATE) != 0u) {
      r = bitcast<u32>(fmax);
    } else if ((flags & MF_INF) != 0u) {
      r = MF_INF_BITS;
    } else {
      return bitcast<f32>(MF_NAN_BITS | sign);
    }
  }
  if (r == 0u && (flags & MF_UNSIGNED_ZERO) != 0u) { sign = 0u; }
  return bitcast<f32>(r | sign);
}
