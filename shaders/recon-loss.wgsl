// Block reconstruction loss L = mean over (B, spatial) of Σ_C (ŷ − y)², i.e. Σ (ŷ − y)² · inv with
// inv = 1 / (B·spatial), and its gradient dŷ = 2·inv·(ŷ − y). Each invocation sums a grid-stride run
// and writes its share of L to partials[invocation] (sum them with shaders/reduce-sum.wgsl); no
// workgroup memory or barriers.
// Bindings: 0 yhat (read), 1 y (read), 2 dyhat (write), 3 partials (write, one per workgroup),
// 4 uniforms {n, groups, inv}.
struct U { n: u32, groups: u32, inv: f32 }

@group(0) @binding(0) var<storage, read> yhat: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> dyhat: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let lane = wid.x * 64u + li;
  let scale = 2.0 * u.inv;
  var acc = 0.0;
  for (var i = lane; i < u.n; i += u.groups * 64u) {
    let d = yhat[i] - y[i];
    dyhat[i] = scale * d;
    acc += d * d;
  }
  partials[lane] = acc * u.inv;
}
