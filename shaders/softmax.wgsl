// Numerically stable softmax over the middle axis of an [outer, axis, inner] view.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {axis, inner, rows = outer·inner}.
// GROUP_ROW (override): a 64-thread workgroup per row (long rows with inner = 1); otherwise a
// thread per row, where neighbouring threads read neighbouring inner elements (coalesced).
override GROUP_ROW: bool = false;

struct U { axis: u32, inner: u32, rows: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

var<workgroup> red: array<f32, 64>;

fn rowBase(row: u32) -> u32 {
  return (row / u.inner) * u.axis * u.inner + row % u.inner;
}

fn reduceMax(li: u32, v: f32) -> f32 {
  red[li] = v;
  for (var s = 32u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (li < s) { red[li] = max(red[li], red[li + s]); }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(li: u32, v: f32) -> f32 {
  red[li] = v;
  for (var s = 32u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (li < s) { red[li] = red[li] + red[li + s]; }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn groupRow(row: u32, li: u32) {
  let base = rowBase(row);
  var m = -0x1.fffffep+127f;
  for (var j = li; j < u.axis; j += 64u) { m = max(m, x[base + j * u.inner]); }
  m = reduceMax(li, m);
  var s = 0.0;
  for (var j = li; j < u.axis; j += 64u) { s += exp(x[base + j * u.inner] - m); }
  s = reduceSum(li, s);
  for (var j = li; j < u.axis; j += 64u) {
    let k = base + j * u.inner;
    y[k] = exp(x[k] - m) / s;
  }
}

fn threadRow(row: u32) {
  let base = rowBase(row);
  var m = -0x1.fffffep+127f;
  for (var j = 0u; j < u.axis; j++) { m = max(m, x[base + j * u.inner]); }
  var s = 0.0;
  for (var j = 0u; j < u.axis; j++) { s += exp(x[base + j * u.inner] - m); }
  let inv = 1.0 / s;
  for (var j = 0u; j < u.axis; j++) {
    let k = base + j * u.inner;
    y[k] = exp(x[k] - m) * inv;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  if (GROUP_ROW) {
    if (g < u.rows) { groupRow(g, li); }
  } else {
    let row = g * 64u + li;
    if (row < u.rows) { threadRow(row); }
  }
}
