// LSQ backward with the QDrop mask of the forward (same draws), straight-through rounding:
// quantized elements: dx = dy where qmin ≤ round(x/s) + z ≤ qmax (PyTorch's inclusive clamp), else 0;
// dropped elements: dx = dy. Step-size gradient terms dy·(round(x/s) − x/s inside, qmin − z below,
// qmax − z above) over quantized elements, summed per invocation into partials[invocation] (grid
// stride over `groups` workgroups of 64, times the grad scale; reduceSum adds them). No workgroup
// memory or barriers. WRITE_DX = false computes
// only the partials (dx then is a scratch binding).
// Bindings: 0 x, 1 dy (read), 2 dx (write), 3 sz ([s, z] pairs), 4 partials (write), 5 uniforms, 6 step.
//!include rng
//!include step
override WRITE_DX: bool = true;

struct U { n: u32, stream: u32, slot: u32, groups: u32, p: f32, qmin: f32, qmax: f32, scale: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<storage, read> sz: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
@group(0) @binding(6) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let s = sz[2u * u.slot];
  let z = sz[2u * u.slot + 1u];
  let draw = u.p > 0.0 && u.p < 1.0;
  let lane = wid.x * 64u + li;
  let quads = (u.n + 3u) / 4u;
  var t = 0.0;
  // quads of 4 consecutive elements: one random draw serves a quad (the forward's mask)
  for (var qd = lane; qd < quads; qd += u.groups * 64u) {
    var r = vec4f(0.0);
    if (draw) { r = rand01x4(step.seed, u.stream, step.iter, qd); }
    for (var j = 0u; j < 4u; j++) {
      let i = 4u * qd + j;
      if (i >= u.n) { break; }
      let g = dy[i];
      var d = g;
      if (u.p >= 1.0 || (draw && r[j] < u.p)) {
        let q = x[i] / s;
        let rq = round(q);
        if (rq + z < u.qmin) {
          d = 0.0;
          t += g * (u.qmin - z);
        } else if (rq + z > u.qmax) {
          d = 0.0;
          t += g * (u.qmax - z);
        } else {
          t += g * (rq - q);
        }
      }
      if (WRITE_DX) { dx[i] = d; }
    }
  }
  partials[lane] = u.scale * t;
}
