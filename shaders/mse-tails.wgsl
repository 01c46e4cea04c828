// The clipped parts of the MSE observer's score and their slopes, at Q query points per row:
// below (side 0): F = Σ_{x < t} n·(t − x)^P, F′ = P·Σ_{x < t} n·(t − x)^(P−1);
// above (side 1): F = Σ_{x > t} n·(x − t)^P, F′ = −P·Σ_{x > t} n·(x − t)^(P−1).
// Points are sorted ascending per row; one thread per (row, query) walks only the points on its
// side. Sums are kept per chunk of 256 points and then added.
// Bindings: 0 xs (f32, sorted per row), 1 ns (f32 multiplicities), 2 starts (u32 [rows + 1]),
// 3 queries (vec2 (t, side) [rows, Q]), 4 out (vec2 (F, F′) [rows, Q]), 5 uniforms {rows, Q}.
override P: f32 = 2.4;

struct U { rows: u32, q: u32 }

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ns: array<f32>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> queries: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec2<f32>>;
@group(0) @binding(5) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.y * nwg.x * 64u + gid.x;
  if (id >= u.rows * u.q) { return; }
  let row = id / u.q;
  let qt = queries[id];
  let t = qt.x;
  let above = qt.y > 0.5;
  let first = starts[row];
  let count = starts[row + 1u] - first;
  var done = vec2<f32>(0.0);
  var part = vec2<f32>(0.0);
  for (var i = 0u; i < count; i++) {
    let j = select(first + i, first + count - 1u - i, above);
    let d = select(t - xs[j], xs[j] - t, above);
    if (!(d > 0.0)) { break; }
    let w = ns[j] * pow(d, P - 1.0);
    part += vec2<f32>(w * d, w);
    if ((i & 255u) == 255u) {
      done += part;
      part = vec2<f32>(0.0);
    }
  }
  let sum = done + part;
  out[id] = vec2<f32>(sum.x, select(P, -P, above) * sum.y);
}
