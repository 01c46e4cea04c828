// IEEE binary16 bits from and to float32 bits, exactly as src/recon/cache.ts (halfBits,
// halfValue): round to nearest even, overflow to ±∞, NaN kept NaN, subnormals both ways. Integer
// arithmetic on the bits only, so no adapter's conversion rounding, NaN canonicalisation or
// denormal flushing enters.
fn half_of_f32_bits(b: u32) -> u32 {
  let sign = (b >> 16u) & 0x8000u;
  let ex = i32((b >> 23u) & 0xffu);
  let man = b & 0x7fffffu;
  if (ex == 255) { return sign | 0x7c00u | select(0u, 0x200u, man != 0u); }
  let e = ex - 127 + 15;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; } // below half the smallest subnormal: ±0
    let m = man | 0x800000u;
    let shift = u32(14 - e); // 14..24
    var h = m >> shift;
    let rest = m & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (h & 1u) == 1u)) { h = h + 1u; } // a carry into the exponent is right
    return sign | h;
  }
  var h = (u32(e) << 10u) | (man >> 13u);
  let rest = man & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; } // a carry to ∞ is right too
  return sign | h;
}

fn f32_bits_of_half(h: u32) -> u32 {
  let sign = (h & 0x8000u) << 16u;
  let ex = (h >> 10u) & 0x1fu;
  let man = h & 0x3ffu;
  if (ex == 0u) {
    if (man == 0u) { return sign; }
    let p = firstLeadingBit(man); // man · 2^-24 = 2^(p − 24) · 1.f: a normal float32
    return sign | ((p + 103u) << 23u) | ((man ^ (1u << p)) << (23u - p));
  }
  if (ex == 31u) { return sign | 0x7f800000u | (man << 13u); }
  return sign | ((ex + 112u) << 23u) | (man << 13u);
}
