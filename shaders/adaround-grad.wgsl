// AdaRound backward (the kernel: shaders/lib/adaround-grad.wgsl) with dL/dh = dW·s_c·1[interior].
// With 0 < h < 1 and b = ⌊W/s⌋ + z an integer, b + h lies strictly inside (qmin, qmax) iff
// qmin ≤ b ≤ qmax − 1: that exact test is the weight clamp's derivative (no dependence on how b + h
// rounds in float32).
// Bindings: 0 dW, 1 wFloor, 2 v, 3 params (read), 4 dV (write), 5 partials (write), 6 uniforms, 7 step.
//!include adaround-grad
struct U { n: u32, inner: u32, channels: u32, groups: u32, qmin: f32, qmax: f32 }

@group(0) @binding(1) var<storage, read> wFloor: array<f32>;

fn dataGrad(i: u32, p: vec2<f32>) -> f32 {
  let b = wFloor[i] + p.y;
  return select(0.0, dW[i] * p.x, b >= u.qmin && b <= u.qmax - 1.0);
}
