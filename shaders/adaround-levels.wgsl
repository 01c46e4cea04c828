// AdaRound between neighbouring levels of a non-uniform grid (APoT, DESIGN.md §8), forward:
// W̃ = s_c·(lo + h·gap) with lo ≤ W/s_c < lo + gap the neighbouring level codes (gap = 0 beyond the
// largest level: the clamp) and h = h(V) (shaders/lib/rect-sigmoid.wgsl), or h = 1[V ≥ 0] when
// u.hard ≠ 0 (then exactly s_c·lo or s_c·hi). Channel c = (i / inner) % channels.
// Bindings: 0 lo (level code below, read), 1 v (read), 2 params [s_c, z_c] pairs (z unused, read),
// 3 gap (hi − lo, read), 4 wOut (write), 5 uniforms {n, inner, channels, hard}.
//!include rect-sigmoid
struct U { n: u32, inner: u32, channels: u32, hard: u32 }

@group(0) @binding(0) var<storage, read> lo: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> gap: array<f32>;
@group(0) @binding(4) var<storage, read_write> wOut: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride over an adapter-sized grid (src/gpu/elements.ts).
  let stride = nwg.x * nwg.y * 256u;
  for (var i = (wid.y * nwg.x + wid.x) * 256u + li; i < u.n; i += stride) {
    let s = params[(i / u.inner) % u.channels].x;
    var h: f32;
    if (u.hard != 0u) {
      h = select(0.0, 1.0, v[i] >= 0.0);
    } else {
      h = clamp(stretched(sigmoid(v[i])), 0.0, 1.0);
    }
    wOut[i] = (lo[i] + h * gap[i]) * s;
  }
}
