// The in-range part of the MSE observer's score, for every lattice point of S scales per row:
// out[row, i, k + L] = Σ n·|x − round(x/s)·s|^P over the row's points with −L·s ≤ x ≤ k·s, k ∈ [−L, L],
// s = scales[row, i] (round half to even). For a candidate (s, z) on the grid [qmin, qmax] (L = qmax − qmin)
// the error of the points between lo = (qmin − z)·s and hi = (qmax − z)·s is out[hi] − out[lo]
// (src/quant/observers/mse-search.ts). Points are sorted ascending per row; one thread per
// (row, scale) walks them once, writing each lattice point as it passes it (shaders/lib/mse-score.wgsl:
// main, the norm P and the chunked sums).
// Bindings: 0 xs (f32, sorted per row), 1 ns (f32 multiplicities), 2 starts (u32 [rows + 1]: row r's
// points are [starts[r], starts[r + 1])), 3 scales (f32 [rows, S]), 4 out (f32 [rows, S, 2L + 1]),
// 5 uniforms {rows, S, L}.
//!include mse-score
struct U { rows: u32, steps: u32, levels: u32 }

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ns: array<f32>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;

fn score(t: u32, row: u32, s: f32) {
  let L = i32(u.levels);
  let o = t * (2u * u.levels + 1u);
  var k = -L;
  var sum = ChunkSum();
  for (var j = starts[row]; j < starts[row + 1u]; j++) {
    let v = xs[j];
    while (k <= L && f32(k) * s < v) {
      out[o + u32(k + L)] = chunkTotal(sum);
      k++;
    }
    if (k > L) { break; }
    if (k == -L && v < f32(k) * s) { continue; } // below every lattice point: cancels in every difference
    chunkAdd(&sum, lpTerm(abs(v - round(v / s) * s), ns[j]));
  }
  for (; k <= L; k++) { out[o + u32(k + L)] = chunkTotal(sum); }
}
