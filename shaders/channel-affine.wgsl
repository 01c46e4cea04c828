// Per-channel affine map y = x·a[c] + b[c] over an [N, C, inner] view: inference
// BatchNormalization once its statistics are folded into a and b. Grid stride over elements.
// Bindings: 0 x, 1 a, 2 b (read), 3 y (write), 4 uniforms {n, C, inner}.
struct U { n: u32, C: u32, inner: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    let c = (i / u.inner) % u.C;
    y[i] = x[i] * a[c] + b[c];
  }
}
