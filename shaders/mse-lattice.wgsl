// The in-range part of the MSE observer's score, for every lattice point of S scales per row:
// out[row, i, k + L] = Σ n·|x − round(x/s)·s|^P over the row's points with −L·s ≤ x ≤ k·s, k ∈ [−L, L],
// s = scales[row, i] (round half to even). For a candidate (s, z) on the grid [qmin, qmax] (L = qmax − qmin)
// the error of the points between lo = (qmin − z)·s and hi = (qmax − z)·s is out[hi] − out[lo]
// (src/quant/observers/mse-search.ts). Points are sorted ascending per row; one thread per
// (row, scale) walks them once, writing each lattice point as it passes it. Sums are kept per
// chunk of 256 points and then added, so float32 rounding stays small on long rows.
// Bindings: 0 xs (f32, sorted per row), 1 ns (f32 multiplicities), 2 starts (u32 [rows + 1]: row r's
// points are [starts[r], starts[r + 1])), 3 scales (f32 [rows, S]), 4 out (f32 [rows, S, 2L + 1]),
// 5 uniforms {rows, S, L}.
override P: f32 = 2.4;

struct U { rows: u32, steps: u32, levels: u32 }

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ns: array<f32>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.y * nwg.x * 64u + gid.x;
  if (t >= u.rows * u.steps) { return; }
  let row = t / u.steps;
  let s = scales[t];
  let L = i32(u.levels);
  let o = t * (2u * u.levels + 1u);
  var k = -L;
  var done = 0.0;   // sum of finished chunks
  var part = 0.0;   // sum of the current chunk
  var inChunk = 0u;
  for (var j = starts[row]; j < starts[row + 1u]; j++) {
    let v = xs[j];
    while (k <= L && f32(k) * s < v) {
      out[o + u32(k + L)] = done + part;
      k++;
    }
    if (k > L) { break; }
    if (k == -L && v < f32(k) * s) { continue; } // below every lattice point: cancels in every difference
    let e = abs(v - round(v / s) * s);
    if (e > 0.0) { part += ns[j] * pow(e, P); }
    inChunk++;
    if (inChunk == 256u) {
      done += part;
      part = 0.0;
      inChunk = 0u;
    }
  }
  for (; k <= L; k++) { out[o + u32(k + L)] = done + part; }
}
