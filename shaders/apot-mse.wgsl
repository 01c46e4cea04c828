// APoT MSE scores of every candidate scale (DESIGN.md §2 with APoT projection in place of rounding):
// out[r, k] = Σ_j |w[r, j] − apotCode(w[r, j], s)·s|^P, s = scales[r, k], for each row r of
// w [rows, cols] and candidate k < steps. One invocation per (row, candidate) walks its row
// (shaders/lib/mse-score.wgsl: main, the norm P and the chunked sums).
// Bindings: 0 w (f32 [rows, cols], read), 1 scales (f32 [rows, steps], read), 2 apotLevels (f32 codes,
// read), 3 apotMids (f32, read), 4 out (f32 [rows, steps], write), 5 uniforms {rows, cols, steps, mids}.
//!include apot
//!include mse-score
struct U { rows: u32, cols: u32, steps: u32, mids: u32 }

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> scales: array<f32>;
@group(0) @binding(2) var<storage, read> apotLevels: array<f32>;
@group(0) @binding(3) var<storage, read> apotMids: array<f32>;

fn score(t: u32, row: u32, s: f32) {
  var sum = ChunkSum();
  let first = row * u.cols;
  for (var j = 0u; j < u.cols; j++) {
    let x = w[first + j];
    chunkAdd(&sum, lpTerm(abs(x - apotCode(x, s, u.mids) * s), 1.0));
  }
  out[t] = chunkTotal(sum);
}
