// APoT MSE scores of every candidate scale (DESIGN.md §2 with APoT projection in place of rounding):
// out[r, k] = Σ_j |w[r, j] − apotCode(w[r, j], s)·s|^P, s = scales[r, k], for each row r of
// w [rows, cols] and candidate k < steps. One invocation per (row, candidate) walks its row; sums are
// kept per chunk of 256 values and then added, so float32 rounding stays small on long rows.
// Bindings: 0 w (f32 [rows, cols], read), 1 scales (f32 [rows, steps], read), 2 apotLevels (f32 codes,
// read), 3 apotMids (f32, read), 4 out (f32 [rows, steps], write), 5 uniforms {rows, cols, steps, mids}.
//!include apot
override P: f32 = 2.4;

struct U { rows: u32, cols: u32, steps: u32, mids: u32 }

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> scales: array<f32>;
@group(0) @binding(2) var<storage, read> apotLevels: array<f32>;
@group(0) @binding(3) var<storage, read> apotMids: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.y * nwg.x * 64u + gid.x;
  if (t >= u.rows * u.steps) { return; }
  let row = t / u.steps;
  let s = scales[t];
  var done = 0.0;
  var part = 0.0;
  let first = row * u.cols;
  for (var j = 0u; j < u.cols; j++) {
    let x = w[first + j];
    let e = abs(x - apotCode(x, s, u.mids) * s);
    if (e > 0.0) { part += pow(e, P); }
    if ((j & 255u) == 255u) {
      done += part;
      part = 0.0;
    }
  }
  out[t] = done + part;
}
