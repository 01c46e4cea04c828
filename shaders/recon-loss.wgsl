// Block reconstruction loss L = mean over (B, spatial) of Σ_C (ŷ − y)², i.e. Σ (ŷ − y)² · inv with
// inv = 1 / (B·spatial), and its gradient dŷ = 2·inv·(ŷ − y). One 256-thread workgroup per chunk of
// 1024 elements writes its share of L to partials[group] (sum them with shaders/reduce-sum.wgsl).
// Bindings: 0 yhat (read), 1 y (read), 2 dyhat (write), 3 partials (write, one per workgroup),
// 4 uniforms {n, groups, inv}.
struct U { n: u32, groups: u32, inv: f32 }

@group(0) @binding(0) var<storage, read> yhat: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> dyhat: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

const WG = 256u;
const PER_THREAD = 4u;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x; // the same for the whole workgroup
  if (g >= u.groups) { return; }
  let base = g * WG * PER_THREAD;
  let scale = 2.0 * u.inv;
  var acc = 0.0;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = base + k * WG + li;
    if (i < u.n) {
      let d = yhat[i] - y[i];
      dyhat[i] = scale * d;
      acc += d * d;
    }
  }
  red[li] = acc;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (li < s) { red[li] += red[li + s]; }
  }
  if (li == 0u) { partials[g] = red[0] * u.inv; }
}
