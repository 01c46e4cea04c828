// Adam step (PyTorch semantics, no weight decay) on n parameters: param element k at k·stride
// (stride 2 updates only the s of [s, z] pairs), grad/m/v contiguous. The learning rate is
// step.lr_v or step.lr_s (u.slot_s), the bias corrections step.bc1, step.bc2 (host-computed):
//   m ← lerp(m, g, 1 − β1); v ← β2·v + (1 − β2)·g²; p ← p − (lr/bc1)·m / (√v/√bc2 + eps)
// and with u.positive, p ← max(|p|, pos_eps) (LSQ step sizes).
// Bindings: 0 param (read_write), 1 grad (read), 2 m, 3 v (read_write), 4 uniforms, 5 step.
//!include step
// 1 − β1 and 1 − β2 come from the host in float64 then float32, as PyTorch's scalar arguments
// (1 − f32(0.999) would be 4.7e-5 off).
struct U { n: u32, stride: u32, slot_s: u32, positive: u32, beta2: f32, one_m_beta1: f32, one_m_beta2: f32, eps: f32, pos_eps: f32 }

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
@group(0) @binding(5) var<uniform> step: Step;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride: the wrapper sizes the grid per adapter (src/gpu/elements.ts); CPU adapters get few,
  // long-running invocations (per-workgroup overhead dominates there), GPUs one element each.
  let stride = nwg.x * nwg.y * 256u;
  for (var k = (wid.y * nwg.x + wid.x) * 256u + li; k < u.n; k += stride) {
    let g = grad[k];
    let mk = m[k] + u.one_m_beta1 * (g - m[k]);
    let vk = u.beta2 * v[k] + u.one_m_beta2 * g * g;
    m[k] = mk;
    v[k] = vk;
    let lr = select(step.lr_v, step.lr_s, u.slot_s != 0u);
    let j = k * u.stride;
    var p = param[j] - (lr / step.bc1) * mk / (sqrt(vk) / sqrt(step.bc2) + u.eps);
    if (u.positive != 0u) { p = max(abs(p), u.pos_eps); }
    param[j] = p;
  }
}
