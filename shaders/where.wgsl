// ONNX Where: out = cond ? x : y element-wise, numpy broadcasting of all three (cond is a bool
// tensor held as 0/1 floats, as the engine keeps every tensor: nonzero is true).
// Bindings: 0 cond (read), 1 x (read), 2 y (read), 3 out (write),
// 4 uniforms {n, rank, shape[8], condStrides[8], xStrides[8], yStrides[8]} (shaders/lib/broadcast.wgsl).
//!include broadcast

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
    let at = broadcastAt(i);
    out[i] = select(y[at.z], x[at.y], cond[at.x] != 0.0);
  }
}
