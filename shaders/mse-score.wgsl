// Lp quantization error of K candidate (scale s, zero point z) pairs per row, accumulated across
// calls (batches): state[split, row, k] += Σ |x − (clamp(round(x/s) + z, qmin, qmax) − z)·s|^P over
// the split's elements of the row (round half to even, as ONNX QuantizeLinear). A 64-thread
// workgroup per (split, row, chunk of 64 candidates): tiles of x go through workgroup memory and
// every thread scores its own candidate on them. Partial sums per split keep each state slot
// owned by one thread (no float atomics); the host adds the splits.
// Bindings: 0 x (read, [rows, cols]), 1 cand (vec2 (s, z) per [row, k]), 2 state (f32 [splits, rows, K]),
// 3 uniforms {rows, cols, k, chunks, span, splits, qmin, qmax}.
override P: f32 = 2.4;

struct U { rows: u32, cols: u32, k: u32, chunks: u32, span: u32, splits: u32, qmin: f32, qmax: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> cand: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

var<workgroup> tile: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  let chunk = g % u.chunks;
  let row = (g / u.chunks) % u.rows;
  let s = g / (u.chunks * u.rows);
  if (s >= u.splits) { return; }
  let k = chunk * 64u + li;
  let live = k < u.k;
  var c = vec2<f32>(1.0, 0.0);
  if (live) { c = cand[row * u.k + k]; }
  let start = s * u.span;
  let end = min(u.cols, start + u.span);
  let base = row * u.cols;
  var acc = 0.0;
  for (var t = start; t < end; t += 64u) {
    let i = t + li;
    var v = 0.0;
    if (i < end) { v = x[base + i]; }
    tile[li] = v;
    workgroupBarrier();
    let m = min(64u, end - t);
    var part = 0.0;
    for (var j = 0u; j < m; j++) {
      let xv = tile[j];
      let q = clamp(round(xv / c.x) + c.y, u.qmin, u.qmax);
      let d = abs(xv - (q - c.y) * c.x);
      if (d > 0.0) { part += pow(d, P); }
    }
    acc += part;
    workgroupBarrier();
  }
  if (live) {
    let o = (s * u.rows + row) * u.k + k;
    state[o] = state[o] + acc;
  }
}
