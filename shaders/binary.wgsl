// Element-wise y = a OP b with numpy broadcasting. OP (override): 0 Add, 1 Sub, 2 Mul, 3 Div,
// 4 Pow, 5 PRelu (b the slope), 6 Max, 7 Min (NaN wins, as numpy), 8 Equal (1 or 0), 9 a (Expand).
// Bindings: 0 a (read), 1 b (read), 2 y (write), 3 uniforms {n, rank, shape[8], aStrides[8], bStrides[8],
// 0[8]} (shaders/lib/broadcast.wgsl).
//!include broadcast
override OP: u32 = 0u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

// p^q: small integer exponents by repeated squaring (exact where the products are; x² of the
// decomposed LayerNorm, x³ of tanh-Gelu), others through exp2·log2 with the sign of an odd power.
fn powf(p: f32, q: f32) -> f32 {
  let whole = floor(q) == q;
  if (whole && abs(q) <= 64.0) {
    var e = u32(abs(q));
    var base = p;
    var r = 1.0;
    while (e > 0u) {
      if ((e & 1u) == 1u) { r *= base; }
      base *= base;
      e >>= 1u;
    }
    return select(r, 1.0 / r, q < 0.0);
  }
  let m = pow(abs(p), q);
  if (p >= 0.0) { return m; }
  if (!whole) { return bitcast<f32>(0x7fc00000u | (u.n & 0u)); } // NaN: a negative base, fractional power
  return select(m, -m, q - 2.0 * floor(q * 0.5) == 1.0);
}

// By the bits: `v != v` compiles to an ordered comparison on some drivers, false for NaN too.
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }

fn f(p: f32, q: f32) -> f32 {
  switch OP {
    case 0u: { return p + q; }
    case 1u: { return p - q; }
    case 2u: { return p * q; }
    case 4u: { return powf(p, q); }
    case 5u: { return select(q * p, p, p >= 0.0); }
    case 6u: { return select(select(max(p, q), q, isNan(q)), p, isNan(p)); }
    case 7u: { return select(select(min(p, q), q, isNan(q)), p, isNan(p)); }
    case 8u: { return select(0.0, 1.0, p == q); }
    case 9u: { return p; }
    default: { return p / q; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride: the wrapper sizes the grid per adapter (src/gpu/elements.ts); CPU adapters get few,
  // long-running invocations (per-workgroup overhead dominates there), GPUs one element each.
  let stride = nwg.x * nwg.y * 64u;
  // Same shapes collapse to one dimension of unit strides: no index arithmetic.
  let flat = u.rank <= 1u && u.strides[0][0].x == 1u && u.strides[1][0].x == 1u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    if (flat) {
      y[i] = f(a[i], b[i]);
      continue;
    }
    let at = broadcastAt(i);
    y[i] = f(a[at.x], b[at.y]);
  }
}
