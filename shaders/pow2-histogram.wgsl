// Per-row, per-sign histograms of |x| in B = 2^BINS_LOG2 bins of width 2^e, accumulated across calls
// (batches) in one pass: bin j of sign side holds the nonzero values with j ≤ |x|·2^−e < j + 1, e the
// row's exponent for that side, which pow2-histogram-rescale.wgsl grows (merging bins) before each
// call so that the largest |x| seen so far fits. Zeros, NaNs and infinities are skipped.
// One 256-thread workgroup per (row, split of the row's columns); global atomics.
// Bindings: 0 x (read, [rows, cols]), 1 exps (i32 [rows, 2]: positive side, negative side),
// 2 hist (atomic u32 [rows, 2, B]), 3 uniforms {rows, cols, span, splits}.
override BINS_LOG2: u32 = 16u;
const UNSET = -1073741824;

struct U { rows: u32, cols: u32, span: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> exps: array<i32>;
@group(0) @binding(2) var<storage, read_write> hist: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  let row = g % u.rows;
  let s = g / u.rows;
  if (s >= u.splits) { return; }
  let bins = 1u << BINS_LOG2;
  let start = s * u.span;
  let end = min(u.cols, start + u.span);
  let base = row * u.cols;
  let ePos = exps[2u * row];
  let eNeg = exps[2u * row + 1u];
  for (var i = start + li; i < end; i += 256u) {
    let v = x[base + i];
    let a = abs(v);
    if (!(a > 0.0) || bitcast<u32>(a) >= 0x7f800000u) { continue; } // zero, NaN or ±∞
    let side = select(0u, 1u, v < 0.0);
    let e = select(ePos, eNeg, v < 0.0);
    if (e == UNSET) { continue; }
    let j = min(u32(floor(ldexp(a, -e))), bins - 1u);
    atomicAdd(&hist[(2u * row + side) * bins + j], 1u);
  }
}
