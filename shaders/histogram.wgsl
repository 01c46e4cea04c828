// Per-row histogram of B bins over [lo, hi], accumulated across calls (batches): the bin of v is
// clamp(⌊(v − lo)·w⌋, 0, B − 1) in f32 arithmetic with w = f32(B / (hi − lo)), so values outside
// [lo, hi] land in the edge bins; v = |x| when ABS. NaNs are skipped. One 256-thread workgroup per
// (row, split of the row's columns) counts into workgroup memory, then adds its non-zero bins.
// Bindings: 0 x (read), 1 params (vec2 (lo, w) per row), 2 hist (atomic u32 [rows, B]),
// 3 uniforms {rows, cols, span, splits, bins}.
override ABS: bool = false;
const MAX_BINS = 2048u;

struct U { rows: u32, cols: u32, span: u32, splits: u32, bins: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> hist: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> u: U;

var<workgroup> counts: array<atomic<u32>, MAX_BINS>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  let row = g % u.rows;
  let s = g / u.rows;
  if (s >= u.splits) { return; }
  for (var b = li; b < u.bins; b += 256u) { atomicStore(&counts[b], 0u); }
  workgroupBarrier();
  let p = params[row];
  let top = f32(u.bins - 1u);
  let start = s * u.span;
  let end = min(u.cols, start + u.span);
  let base = row * u.cols;
  for (var i = start + li; i < end; i += 256u) {
    var v = x[base + i];
    if (ABS) { v = abs(v); }
    if ((bitcast<u32>(v) & 0x7fffffffu) <= 0x7f800000u) { // not NaN
      let t = clamp(floor((v - p.x) * p.y), 0.0, top);
      atomicAdd(&counts[u32(t)], 1u);
    }
  }
  workgroupBarrier();
  for (var b = li; b < u.bins; b += 256u) {
    let c = atomicLoad(&counts[b]);
    if (c != 0u) { atomicAdd(&hist[row * u.bins + b], c); }
  }
}
