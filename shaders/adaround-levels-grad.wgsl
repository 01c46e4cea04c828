// AdaRound between neighbouring levels (APoT), backward (the kernel: shaders/lib/adaround-grad.wgsl):
// W̃ = s_c·(lo + h·gap), so dL/dh = dW·s_c·gap; gap = 0 beyond the largest level is the clamp's derivative.
// Bindings: 0 dW, 1 gap, 2 v, 3 params [s_c, z_c] (read), 4 dV (write), 5 partials (write),
// 6 uniforms {n, inner, channels, groups}, 7 step.
//!include adaround-grad
struct U { n: u32, inner: u32, channels: u32, groups: u32 }

@group(0) @binding(1) var<storage, read> gap: array<f32>;

fn dataGrad(i: u32, p: vec2<f32>) -> f32 {
  return dW[i] * p.x * gap[i];
}
