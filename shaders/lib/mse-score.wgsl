// The MSE observers' score kernels over candidate scales (apot-mse.wgsl, mse-lattice.wgsl): one
// invocation per (row, candidate) t = row·steps + i with s = scales[t]; terms n·|e|^P (P the norm of
// the score, an override) summed in float32 per chunk of 256 and then added, so rounding stays small
// on long rows. The including shader declares U {rows, steps, …}, scales (f32 [rows, steps]) and
// fn score(t, row, s), which writes out.
// Bindings: 4 out (f32, write), 5 uniforms; 0 to 3 the including shader's.
override P: f32 = 2.4;

@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

// n·|e|^P, 0 at e = 0 (where pow is not defined).
fn lpTerm(e: f32, n: f32) -> f32 {
  return select(0.0, n * pow(e, P), e > 0.0);
}

struct ChunkSum {
  done: f32,  // sum of finished chunks
  part: f32,  // sum of the current chunk
  count: u32, // terms in the current chunk
}

fn chunkAdd(c: ptr<function, ChunkSum>, x: f32) {
  (*c).part += x;
  (*c).count++;
  if ((*c).count == 256u) {
    (*c).done += (*c).part;
    (*c).part = 0.0;
    (*c).count = 0u;
  }
}

fn chunkTotal(c: ChunkSum) -> f32 {
  return c.done + c.part;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.y * nwg.x * 64u + gid.x;
  if (t >= u.rows * u.steps) { return; }
  score(t, t / u.steps, scales[t]);
}
