// The second pass of conv2d-grad-weight's split-K: dw[i] = Σ_s partials[s * count + i], s < S.
// Bindings: 0 partials [S][count], 1 dw [count] (write), 2 uniforms U. One element per invocation, so
// neighbouring invocations read neighbouring partials.
struct U { count: i32, S: i32 }

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

const WG = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // grid stride (the wrapper sizes the grid per adapter, src/gpu/elements.ts)
  let stride = i32(nwg.x * nwg.y) * WG;
  for (var i = i32(wid.y * nwg.x + wid.x) * WG + i32(li); i < u.count; i += stride) {
    var acc = 0.0;
    for (var s = 0; s < u.S; s++) { acc += partials[s * u.count + i]; }
    dw[i] = acc;
  }
}
