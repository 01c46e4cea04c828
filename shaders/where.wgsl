// ONNX Where: out = cond ? x : y element-wise, numpy broadcasting of all three (cond is a bool
// tensor held as 0/1 floats, as the engine keeps every tensor: nonzero is true).
// Bindings: 0 cond (read), 1 x (read), 2 y (read), 3 out (write),
// 4 uniforms {n, rank, shape[8], condStrides[8], xStrides[8], yStrides[8]}.
struct U {
  n: u32,
  rank: u32,
  pad0: u32,
  pad1: u32,
  shape: array<vec4u, 2>,
  sc: array<vec4u, 2>, // 0 where cond broadcasts
  sx: array<vec4u, 2>,
  sy: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> cond: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride, sized per adapter by the wrapper (src/gpu/elements.ts).
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    // Walk dimensions innermost first, as binary.wgsl.
    var rem = i;
    var ic = 0u;
    var ix = 0u;
    var iy = 0u;
    for (var k = u.rank; k > 0u; k--) {
      let d = k - 1u;
      let size = u.shape[d >> 2u][d & 3u];
      let c = rem % size;
      rem = rem / size;
      ic += c * u.sc[d >> 2u][d & 3u];
      ix += c * u.sx[d >> 2u][d & 3u];
      iy += c * u.sy[d >> 2u][d & 3u];
    }
    out[i] = select(y[iy], x[ix], cond[ic] != 0.0);
  }
}
