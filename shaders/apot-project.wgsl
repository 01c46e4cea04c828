// APoT projection of a weight tensor: codes[i] = apotCode(w[i], s_c) (shaders/lib/apot.wgsl), the
// integer level code of w[i] on the grid ±levels·s_c, s_c = α_c/max level, c = (i / inner) % channels.
// Bindings: 0 w (f32, read), 1 scales (f32 per channel, read), 2 apotLevels (f32 codes, read),
// 3 apotMids (f32, read), 4 codes (i32, write), 5 uniforms {n, inner, channels, mids}.
//!include apot
struct U { n: u32, inner: u32, channels: u32, mids: u32 }

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> scales: array<f32>;
@group(0) @binding(2) var<storage, read> apotLevels: array<f32>;
@group(0) @binding(3) var<storage, read> apotMids: array<f32>;
@group(0) @binding(4) var<storage, read_write> codes: array<i32>;
@group(0) @binding(5) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride over an adapter-sized grid (src/gpu/elements.ts).
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    codes[i] = i32(apotCode(w[i], scales[(i / u.inner) % u.channels], u.mids));
  }
}
