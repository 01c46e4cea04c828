// GlobalMaxPool / GlobalAveragePool: one 64-thread workgroup per (n, c) row reduces its spatial values.
// Bindings: 0 x (read), 1 y (write, one value per row), 2 uniforms {rows, spatial}. KIND (override): 0 max, 1 average.
override KIND: u32 = 0u;

struct U { rows: u32, spatial: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

var<workgroup> red: array<f32, 64>;

fn combine(a: f32, b: f32) -> f32 {
  return select(a + b, max(a, b), KIND == 0u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let row = wid.y * nwg.x + wid.x; // the same for the whole workgroup
  if (row >= u.rows) { return; }
  let base = row * u.spatial;
  var acc = select(0.0, -0x1.fffffep+127f, KIND == 0u);
  for (var j = li; j < u.spatial; j += 64u) { acc = combine(acc, x[base + j]); }
  red[li] = acc;
  for (var s = 32u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (li < s) { red[li] = combine(red[li], red[li + s]); }
  }
  if (li == 0u) { y[row] = select(red[0] / f32(u.spatial), red[0], KIND == 0u); }
}
