// ONNX QuantizeLinear's rounding: round half to even of the correctly rounded float32 quotient x / s,
// exact even where the adapter's division is not (WGSL allows 2.5 ulp): a quotient within 8 ulps of
// a half-integer is settled with integer arithmetic (|x| against s·(the rounding midpoints around it)).

// Tests only: the adapter's quotient moved by this many ulps, as a division within WGSL's 2.5 ulp may be,
// so the exact settling of near-ties runs even where the division is exact. Normal quotients only (moving
// a subnormal's bits could cross zero into the other sign's NaNs).
override QDIV_ULPS: i32 = 0;

// x / s as the kernels divide it (never x·(1/s)), moved by QDIV_ULPS in tests.
fn ql_quotient(x: f32, s: f32) -> f32 {
  let d = x / s;
  return select(d, bitcast<f32>(bitcast<i32>(d) + QDIV_ULPS), QDIV_ULPS != 0 && abs(d) >= 1.17549435e-38 && abs(d) < 1e38);
}

// (M, e) with |v| = M·2^e and M in [2^23, 2^24): the significand of a nonzero finite float, normalized.
fn ql_split(v: f32) -> vec2i {
  let b = bitcast<u32>(v) & 0x7fffffffu;
  let f = b >> 23u;
  if (f != 0u) { return vec2i(i32((b & 0x7fffffu) | 0x800000u), i32(f) - 150); }
  let shift = 23u - firstLeadingBit(b); // subnormal
  return vec2i(i32(b << shift), -149 - i32(shift));
}

// a·b as a 64-bit (hi, lo) pair, for a < 2^24 and b < 2^26.
fn ql_mul(a: u32, b: u32) -> vec2u {
  let low = (a & 0xffffu) * (b & 0xffffu);
  let mid = (a >> 16u) * (b & 0xffffu) + (a & 0xffffu) * (b >> 16u);
  let lo = low + (mid << 16u);
  return vec2u((a >> 16u) * (b >> 16u) + (mid >> 16u) + select(0u, 1u, lo < low), lo);
}

// sign(A·2^(ea) − S·2^(es) · T·2^(et)) for A, S in [2^23, 2^24) and T in [2^23, 2^26).
fn ql_cmp(a: vec2i, s: vec2i, t: u32, et: i32) -> i32 {
  let d = a.y - s.y - et;
  if (d < 0) { return -1; }  // A·2^d < 2^23 ≤ S·T
  if (d > 26) { return 1; }  // A·2^d ≥ 2^50 > S·T
  let ud = u32(d);
  let lhs = select(vec2u(u32(a.x) >> (32u - ud), u32(a.x) << ud), vec2u(0u, u32(a.x)), ud == 0u);
  let rhs = ql_mul(u32(s.x), t);
  if (lhs.x != rhs.x) { return select(-1, 1, lhs.x > rhs.x); }
  if (lhs.y != rhs.y) { return select(-1, 1, lhs.y > rhs.y); }
  return 0;
}

// round_half_even(fl(x / s)) for s > 0, given q ≈ x / s (the adapter's quotient).
fn quantize_linear_round(x: f32, s: f32, q: f32) -> f32 {
  return quantize_linear_round_pow2(x, s, q, 0);
}

// round_half_even(fl(x / s)·2^-g) for s > 0, given q ≈ x / (s·2^g): the scaling is exact (it moves s's
// exponent only), so it rounds to a grid of spacing 2^g (lib/minifloat) as exactly as to the integers.
fn quantize_linear_round_pow2(x: f32, s: f32, q: f32, g: i32) -> f32 {
  let qa = abs(q);
  let h = floor(qa) + 0.5; // the half-integer nearest to q
  let ulp = bitcast<f32>(bitcast<u32>(h) & 0x7f800000u) * 1.1920928955078125e-7;
  if (!(qa < 4194304.0) || abs(qa - h) > 8.0 * ulp || x == 0.0) { return round(q); }
  // fl(|x|/s) < h, = h or > h: compare |x| with s times the midpoints between h and its float neighbours
  let a = ql_split(x);
  let sp = ql_split(s) + vec2i(0, g);
  let hp = ql_split(h);
  let hm = u32(hp.x);
  let even = (hm & 1u) == 0u;
  let above = ql_cmp(a, sp, 2u * hm + 1u, hp.y - 1);
  let below = select(ql_cmp(a, sp, 2u * hm - 1u, hp.y - 1), ql_cmp(a, sp, 4u * hm - 1u, hp.y - 2), hm == 0x800000u);
  let k = floor(qa);
  var r: f32;
  if (above > 0 || (above == 0 && !even)) {
    r = k + 1.0;
  } else if (below < 0 || (below == 0 && !even)) {
    r = k;
  } else {
    r = select(k + 1.0, k, k % 2.0 == 0.0); // fl(|x|/s) is h itself: the tie goes to the even code
  }
  return select(r, -r, x < 0.0);
}
