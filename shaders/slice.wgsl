// Slice: y[i] = x[base + Σ c_k·stride_k], stride_k = step_k·inStride_k (negative for reversed axes).
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, rank, base, outShape[8], stride[8] (i32)}.
struct U {
  n: u32,
  rank: u32,
  base: i32,
  pad0: u32,
  shape: array<vec4u, 2>,
  stride: array<vec4i, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  var rem = i;
  var src = u.base;
  for (var k = u.rank; k > 0u; k--) {
    let d = k - 1u;
    let size = u.shape[d >> 2u][d & 3u];
    src += i32(rem % size) * u.stride[d >> 2u][d & 3u];
    rem = rem / size;
  }
  y[i] = x[u32(src)];
}
