// Transpose: y[i] = x[gather(i)] for a permutation, walked as strided reads (rank ≤ 8 after collapsing).
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, rank, outShape[8], inStrides[8] per output dim}.
struct U {
  n: u32,
  rank: u32,
  pad0: u32,
  pad1: u32,
  shape: array<vec4u, 2>,
  stride: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  // Writes are coalesced; reads follow the permuted strides.
  var rem = i;
  var src = 0u;
  for (var k = u.rank; k > 0u; k--) {
    let d = k - 1u;
    let size = u.shape[d >> 2u][d & 3u];
    src += (rem % size) * u.stride[d >> 2u][d & 3u];
    rem = rem / size;
  }
  y[i] = x[src];
}
