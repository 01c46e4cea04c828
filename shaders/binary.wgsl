// Element-wise y = a OP b with numpy broadcasting. OP (override): 0 Add, 1 Sub, 2 Mul, 3 Div.
// Bindings: 0 a (read), 1 b (read), 2 y (write), 3 uniforms {n, rank, shape[8], aStrides[8], bStrides[8]}.
override OP: u32 = 0u;

struct U {
  n: u32,
  rank: u32,
  pad0: u32,
  pad1: u32,
  shape: array<vec4u, 2>,
  sa: array<vec4u, 2>, // 0 where a broadcasts
  sb: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

fn f(p: f32, q: f32) -> f32 {
  switch OP {
    case 0u: { return p + q; }
    case 1u: { return p - q; }
    case 2u: { return p * q; }
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
  let flat = u.rank <= 1u && u.sa[0].x == 1u && u.sb[0].x == 1u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    if (flat) {
      y[i] = f(a[i], b[i]);
      continue;
    }
    // Walk dimensions innermost first; consecutive threads read consecutive (or repeated) elements.
    var rem = i;
    var ia = 0u;
    var ib = 0u;
    for (var k = u.rank; k > 0u; k--) {
      let d = k - 1u;
      let size = u.shape[d >> 2u][d & 3u];
      let c = rem % size;
      rem = rem / size;
      ia += c * u.sa[d >> 2u][d & 3u];
      ib += c * u.sb[d >> 2u][d & 3u];
    }
    y[i] = f(a[ia], b[ib]);
  }
}
