// Backward of GlobalMaxPool / GlobalAveragePool (shaders/globalpool.wgsl): one 64-thread workgroup
// per (n, c) row. Average: dx = dy / spatial everywhere; max: dy to the first largest position of
// the row (lowest index among equal maxima), 0 elsewhere.
// Bindings: 0 x (forward input, read), 1 dy (read, one value per row), 2 dx (write),
// 3 uniforms {rows, spatial}. KIND (override): 0 max, 1 average.
override KIND: u32 = 0u;

struct U { rows: u32, spatial: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

const NONE = 0xffffffffu;
var<workgroup> bestV: array<f32, 64>;
var<workgroup> bestI: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let row = wid.y * nwg.x + wid.x; // the same for the whole workgroup
  if (row >= u.rows) { return; }
  let base = row * u.spatial;
  let g = dy[row];
  if (KIND == 1u) {
    let v = g / f32(u.spatial);
    for (var j = li; j < u.spatial; j += 64u) { dx[base + j] = v; }
    return;
  }
  // Each thread's first largest (its indices rise), then a tree keeping the lower index on ties.
  var bv = 0.0;
  var bi = NONE;
  for (var j = li; j < u.spatial; j += 64u) {
    let v = x[base + j];
    if (bi == NONE || v > bv) {
      bv = v;
      bi = j;
    }
  }
  bestV[li] = bv;
  bestI[li] = bi;
  for (var s = 32u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (li < s) {
      let ov = bestV[li + s];
      let oi = bestI[li + s];
      let mi = bestI[li];
      if (oi != NONE && (mi == NONE || ov > bestV[li] || (ov == bestV[li] && oi < mi))) {
        bestV[li] = ov;
        bestI[li] = oi;
      }
    }
  }
  workgroupBarrier();
  let arg = bestI[0];
  for (var j = li; j < u.spatial; j += 64u) { dx[base + j] = select(0.0, g, j == arg); }
}
