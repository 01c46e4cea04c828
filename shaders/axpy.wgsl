// y += alpha · x element-wise (summing gradients where a tensor feeds several consumers).
// Bindings: 0 x (read), 1 y (read-write), 2 uniforms {n, alpha}.
struct U { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  y[i] = y[i] + u.alpha * x[i];
}
