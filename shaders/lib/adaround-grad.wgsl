// AdaRound backward, the kernel shared by adaround-grad.wgsl and adaround-levels-grad.wgsl:
// dV = (dL/dh + λ·∂r/∂h)·h'(V) with r(h) = 1 − |2h − 1|^β, h'(V) = σ(V)(1 − σ(V))(ζ − γ) where
// 0 < σ(V)(ζ − γ) + γ < 1, else 0; dV is overwritten. Per-workgroup partial sums of the regulariser
// λ·Σ r(h) (grid stride over `groups` workgroups). β, λ come from the step uniform (λ = 0 in the warm-up).
// The including shader declares U {n, inner, channels, groups, …}, binding 1 and
// fn dataGrad(i, [s_c, z_c]) -> f32: dL/dh of element i (called where 0 < h < 1).
// Bindings: 0 dW, 2 v, 3 params [s_c, z_c] (read), 4 dV (write), 5 partials (write), 6 uniforms, 7 step.
//!include rect-sigmoid
//!include step

@group(0) @binding(0) var<storage, read> dW: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> dV: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
@group(0) @binding(7) var<uniform> step: Step;

var<workgroup> acc: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  var reg = 0.0;
  for (var i = wid.x * 256u + li; i < u.n; i += u.groups * 256u) {
    let p = params[(i / u.inner) % u.channels];
    let sig = sigmoid(v[i]);
    let t = stretched(sig);
    let h = clamp(t, 0.0, 1.0);
    let a = 2.0 * h - 1.0;
    let m = abs(a);
    // |2h − 1|^β, and its derivative factor |2h − 1|^(β−1) (0 at h = ½ since β ≥ 2)
    let mb = select(0.0, pow(m, step.beta), m > 0.0);
    reg += 1.0 - mb;
    var d = 0.0;
    if (t > 0.0 && t < 1.0) {
      var g = dataGrad(i, p);
      let mb1 = select(0.0, pow(m, step.beta - 1.0), m > 0.0);
      g -= step.lambda * 2.0 * step.beta * sign(a) * mb1;
      d = g * sig * (1.0 - sig) * (ZETA - GAMMA);
    }
    dV[i] = d;
  }
  acc[li] = step.lambda * reg;
  for (var w = 128u; w > 0u; w >>= 1u) {
    workgroupBarrier();
    if (li < w) { acc[li] += acc[li + w]; }
  }
  if (li == 0u) { partials[wid.x] = acc[0]; }
}
