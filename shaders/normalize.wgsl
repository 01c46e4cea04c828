// LayerNormalization and InstanceNormalization: one invocation per row of n values (grid stride
// over rows) takes the mean, the biased variance in a second pass, and writes
// y = (x − mean)·invStd·scale + bias with invStd = 1/√(var + ε), and the row's mean and invStd.
// The scale/bias element of row r, column j is [(r % chans)·sRow + j·sCol] (LayerNorm: chans 1,
// sRow 0, sCol 1, or 0 for one scalar; InstanceNorm: chans C, sRow 1, sCol 0).
// Bindings: 0 x, 1 scale, 2 bias (read; bias is any buffer when HAS_BIAS is false), 3 y, 4 mean,
// 5 invStd (write, one per row), 6 uniforms {rows, n, chans, sRow, sCol, eps}.
override HAS_BIAS: bool = true;

struct U { rows: u32, n: u32, chans: u32, sRow: u32, sCol: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStdOut: array<f32>;
@group(0) @binding(6) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let stride = nwg.x * nwg.y * 64u;
  let inv_n = 1.0 / f32(u.n);
  for (var r = (wid.y * nwg.x + wid.x) * 64u + li; r < u.rows; r += stride) {
    let base = r * u.n;
    // summed relative to the row's first value: rows far from zero keep their precision
    let x0 = x[base];
    var s = 0.0;
    for (var j = 0u; j < u.n; j++) { s += x[base + j] - x0; }
    let mean = x0 + s * inv_n;
    var v = 0.0;
    for (var j = 0u; j < u.n; j++) {
      let d = x[base + j] - mean;
      v += d * d;
    }
    let inv = 1.0 / sqrt(v * inv_n + u.eps);
    let p = (r % u.chans) * u.sRow;
    for (var j = 0u; j < u.n; j++) {
      let k = p + j * u.sCol;
      var t = (x[base + j] - mean) * inv * scale[k];
      if (HAS_BIAS) { t += bias[k]; }
      y[base + j] = t;
    }
    meanOut[r] = mean;
    invStdOut[r] = inv;
  }
}
