// Constant-mode Pad: y[j] = x[j − begin] where that lies inside x, else `value`; negative begins crop.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, rank, outShape[8], inShape[8], begin[8] (i32), inStrides[8], value}.
struct U {
  n: u32,
  rank: u32,
  pad0: u32,
  pad1: u32,
  outShape: array<vec4u, 2>,
  inShape: array<vec4u, 2>,
  begin: array<vec4i, 2>,
  inStride: array<vec4u, 2>,
  value: f32,
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
  var src = 0u;
  var inside = true;
  for (var k = u.rank; k > 0u; k--) {
    let d = k - 1u;
    let size = u.outShape[d >> 2u][d & 3u];
    let j = i32(rem % size) - u.begin[d >> 2u][d & 3u];
    rem = rem / size;
    inside = inside && j >= 0 && u32(j) < u.inShape[d >> 2u][d & 3u];
    src += u32(max(j, 0)) * u.inStride[d >> 2u][d & 3u];
  }
  y[i] = select(u.value, x[select(0u, src, inside)], inside);
}
