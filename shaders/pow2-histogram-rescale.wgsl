// Grows the bin width of the power-of-two histograms of pow2-histogram.wgsl so that the largest |x|
// seen so far fits: from the running min/max (shaders/minmax.wgsl's ordered codes) a side whose
// largest magnitude v has 2^E ≤ v < 2^(E+1) needs e ≥ E + 1 − BINS_LOG2; a larger e merges 2^(e'−e)
// neighbouring bins into one (exact: bins are aligned to multiples of 2^e). One 256-thread
// workgroup per (row, side); in-place merging in chunks of 256 bins, reads before writes.
// Bindings: 0 minmax (u32 [rows, 2] ordered codes), 1 exps (i32 [rows, 2]), 2 hist (u32 [rows, 2, B]),
// 3 uniforms {rows}.
override BINS_LOG2: u32 = 16u;
const UNSET = -1073741824;

struct U { rows: u32 }

@group(0) @binding(0) var<storage, read> mm: array<u32>;
@group(0) @binding(1) var<storage, read_write> exps: array<i32>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;
@group(0) @binding(3) var<uniform> u: U;

/** The new exponent (UNSET: this side needs no change) and the old one, shared so both are uniform. */
var<workgroup> next: i32;
var<workgroup> prev: i32;

fn decode(c: u32) -> f32 {
  return select(bitcast<f32>(~c), bitcast<f32>(c & 0x7fffffffu), (c & 0x80000000u) != 0u);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  let live = g < 2u * u.rows;
  let row = g / 2u;
  let side = g % 2u;
  if (li == 0u) {
    next = UNSET;
    prev = UNSET;
    if (live) {
      let old = exps[g];
      prev = old;
      // the largest magnitude of this side: max for the positive side, −min for the negative one
      let v = select(decode(mm[2u * row + 1u]), -decode(mm[2u * row]), side == 1u);
      if (v > 0.0 && bitcast<u32>(v) < 0x7f800000u) {
        let need = i32(bitcast<u32>(v) >> 23u) - 126 - i32(BINS_LOG2);
        if (old == UNSET || need > old) { next = need; }
      }
    }
  }
  let e = workgroupUniformLoad(&next);
  let old = workgroupUniformLoad(&prev);
  if (e == UNSET) { return; }
  let bins = 1u << BINS_LOG2;
  let base = g * bins;
  if (old != UNSET) {
    // bin j ← Σ bins [j·f, (j + 1)·f), f = 2^shift (f = B: everything into bin 0)
    let shift = min(u32(e - old), BINS_LOG2);
    let f = 1u << shift;
    for (var c = 0u; c < bins; c += 256u) {
      let j = c + li;
      var sum = 0u;
      if (j < (bins >> shift)) {
        for (var l = 0u; l < f; l++) { sum += hist[base + (j << shift) + l]; }
      }
      storageBarrier();
      if (j < bins) { hist[base + j] = sum; }
      storageBarrier();
    }
  }
  if (li == 0u) { exps[g] = e; }
}
