// APoT projection onto the integer level codes (DESIGN.md §8; CPU twin apotCodeRef in src/ref/apot.ts).
// The including shader declares apotLevels (f32 codes, ascending from 0) and apotMids (f32, the
// midpoints between neighbouring codes) as storage arrays.

// ±levels[j] with j = #{k : |x|/s > mids[k]}: the nearest level (ties to the smaller one, above the
// largest level the largest), the sign of x restored. NaN gives 0.
fn apotCode(x: f32, s: f32, mids: u32) -> f32 {
  let v = abs(x) / s;
  var j = 0u;
  for (var k = 0u; k < mids; k++) {
    j += select(0u, 1u, v > apotMids[k]);
  }
  let m = apotLevels[j];
  return select(m, -m, x < 0.0);
}
