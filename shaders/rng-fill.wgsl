// out[i] = rand01(seed, stream, counter, i): the counter RNG of shaders/lib/rng.wgsl, for tests.
// Bindings: 0 out (write), 1 uniforms {n, seed, stream, counter}.
//!include rng
struct U { n: u32, seed: u32, stream: u32, counter: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  out[i] = rand01(u.seed, u.stream, u.counter, i);
}
