// One 256-thread workgroup sums src[0..count) into dst[index] (mode 0: set, 1: add). index is
// u.base, plus (step.iter / u.every) % u.slots when u.slots > 0 (a ring of per-iteration slots,
// e.g. a loss history the host reads every few iterations; the fixed variant binds a zero Step).
// Bindings: 0 src (read), 1 dst (read-write), 2 uniforms {count, base, mode, every, slots},
// 3 the Step uniform (shaders/lib/step.wgsl).
//!include step
struct U { count: u32, base: u32, mode: u32, every: u32, slots: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
@group(0) @binding(3) var<uniform> st: Step;

const WG = 256u;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var acc = 0.0;
  for (var j = li; j < u.count; j += WG) { acc += src[j]; }
  red[li] = acc;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (li < s) { red[li] += red[li + s]; }
  }
  if (li == 0u) {
    var index = u.base;
    if (u.slots > 0u) { index += (st.iter / u.every) % u.slots; }
    dst[index] = select(red[0], dst[index] + red[0], u.mode == 1u);
  }
}
