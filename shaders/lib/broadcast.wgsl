// Numpy broadcasting over the collapsed output shape (rank ≤ 8), shared by binary.wgsl and where.wgsl:
// the uniform layout {n, rank, shape[8], strides[8] of three operands} their wrappers write, and the
// walk from an output element to its operands' elements. The including shader declares u: U.
struct U {
  n: u32,
  rank: u32,
  pad0: u32,
  pad1: u32,
  shape: array<vec4u, 2>,
  strides: array<array<vec4u, 2>, 3>, // per operand; 0 where it broadcasts (and for an unused operand)
}

// Output element i's offset in each operand. Dimensions are walked innermost first, so consecutive
// threads read consecutive (or repeated) elements.
fn broadcastAt(i: u32) -> vec3u {
  var rem = i;
  var at = vec3u(0u);
  for (var k = u.rank; k > 0u; k--) {
    let d = k - 1u;
    let size = u.shape[d >> 2u][d & 3u];
    let c = rem % size;
    rem = rem / size;
    at += c * vec3u(u.strides[0][d >> 2u][d & 3u], u.strides[1][d >> 2u][d & 3u], u.strides[2][d >> 2u][d & 3u]);
  }
  return at;
}
