// AdaRound weight (forward): W̃ = s_c·(clamp(⌊W/s_c⌋ + h + z_c, qmin, qmax) − z_c) with the soft
// rounding h = h(V) (shaders/lib/rect-sigmoid.wgsl), or the hard one h = 1[V ≥ 0] when u.hard ≠ 0.
// Channel c = (i / inner) % channels (per tensor: channels = 1).
// Bindings: 0 wFloor (⌊W/s⌋, read), 1 v (read), 2 params [s_c, z_c] pairs (read), 3 wOut (write), 4 uniforms.
//!include rect-sigmoid
struct U { n: u32, inner: u32, channels: u32, hard: u32, qmin: f32, qmax: f32 }

@group(0) @binding(0) var<storage, read> wFloor: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> wOut: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride: the wrapper sizes the grid per adapter (src/gpu/elements.ts); CPU adapters get few,
  // long-running invocations (per-workgroup overhead dominates there), GPUs one element each.
  let stride = nwg.x * nwg.y * 256u;
  for (var i = (wid.y * nwg.x + wid.x) * 256u + li; i < u.n; i += stride) {
    let p = params[(i / u.inner) % u.channels];
    var h: f32;
    if (u.hard != 0u) {
      h = select(0.0, 1.0, v[i] >= 0.0);
    } else {
      h = clamp(stretched(sigmoid(v[i])), 0.0, 1.0);
    }
    // ⌊W/s⌋ + z is an exact integer in float32: one rounding, in the addition of h
    wOut[i] = (clamp(wFloor[i] + p.y + h, u.qmin, u.qmax) - p.y) * p.x;
  }
}
