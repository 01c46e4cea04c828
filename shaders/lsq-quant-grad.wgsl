// LSQ backward with the QDrop mask of the forward (same draws), straight-through rounding:
// quantized elements: dx = dy where qmin ≤ round(x/s) + z ≤ qmax (PyTorch's inclusive clamp), else 0;
// dropped elements: dx = dy. Step-size gradient terms dy·(round(x/s) − x/s inside, qmin − z below,
// qmax − z above) over quantized elements, summed per workgroup into partials[workgroup] (grid stride
// over `groups` workgroups, times the grad scale; reduceSum adds them). WRITE_DX = false computes
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

var<workgroup> acc: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let s = sz[2u * u.slot];
  let z = sz[2u * u.slot + 1u];
  var t = 0.0;
  for (var i = wid.x * 256u + li; i < u.n; i += u.groups * 256u) {
    let g = dy[i];
    var quantize = u.p >= 1.0;
    if (!quantize && u.p > 0.0) { quantize = rand01(step.seed, u.stream, step.iter, i) < u.p; }
    var d = g;
    if (quantize) {
      let q = x[i] / s;
      let r = round(q);
      if (r + z < u.qmin) {
        d = 0.0;
        t += g * (u.qmin - z);
      } else if (r + z > u.qmax) {
        d = 0.0;
        t += g * (u.qmax - z);
      } else {
        t += g * (r - q);
      }
    }
    if (WRITE_DX) { dx[i] = d; }
  }
  acc[li] = t;
  for (var w = 128u; w > 0u; w >>= 1u) {
    workgroupBarrier();
    if (li < w) { acc[li] += acc[li + w]; }
  }
  if (li == 0u) { partials[wid.x] = u.scale * acc[0]; }
}
