// Running per-row min/max of a [rows, cols] view, accumulated across calls (batches). The state
// holds order-preserving u32 codes of f32 (code(a) < code(b) ⇔ a < b) so atomicMin/atomicMax merge
// the workgroups of one call and the calls of a pass; NaNs are skipped. One 256-thread workgroup
// per (row, split of the row's columns).
// Bindings: 0 x (read), 1 state (atomic u32 [rows, 2]: min code, max code), 2 uniforms {rows, cols, span, splits}.
struct U { rows: u32, cols: u32, span: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> state: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> u: U;

var<workgroup> lo: array<u32, 256>;
var<workgroup> hi: array<u32, 256>;

fn code(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  let row = g % u.rows;
  let s = g / u.rows;
  if (s >= u.splits) { return; }
  let start = s * u.span;
  let end = min(u.cols, start + u.span);
  let base = row * u.cols;
  var mn = 0xffffffffu;
  var mx = 0u;
  for (var i = start + li; i < end; i += 256u) {
    let v = x[base + i];
    if ((bitcast<u32>(v) & 0x7fffffffu) <= 0x7f800000u) { // not NaN
      let c = code(v);
      mn = min(mn, c);
      mx = max(mx, c);
    }
  }
  lo[li] = mn;
  hi[li] = mx;
  for (var k = 128u; k > 0u; k >>= 1u) {
    workgroupBarrier();
    if (li < k) {
      lo[li] = min(lo[li], lo[li + k]);
      hi[li] = max(hi[li], hi[li + k]);
    }
  }
  if (li == 0u) {
    atomicMin(&state[2u * row], lo[0]);
    atomicMax(&state[2u * row + 1u], hi[0]);
  }
}
