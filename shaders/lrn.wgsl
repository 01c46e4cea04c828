// LRN across channels of an [N, C, inner] view: y = x / (bias + α/size · Σ x²)^β over the channels
// c − lo … c + hi that exist (lo = ⌊(size−1)/2⌋, hi = ⌈(size−1)/2⌉). Grid stride over elements.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, C, inner, lo, hi, α/size, β, bias}.
struct U { n: u32, C: u32, inner: u32, lo: u32, hi: u32, alphaOverSize: f32, beta: f32, bias: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    let c = (i / u.inner) % u.C;
    let c0 = select(0u, c - u.lo, c > u.lo);
    let c1 = min(u.C - 1u, c + u.hi);
    var s = 0.0;
    var k = i - (c - c0) * u.inner; // element i's position at channel c0
    for (var ch = c0; ch <= c1; ch++) {
      s += x[k] * x[k];
      k += u.inner;
    }
    y[i] = x[i] / pow(u.bias + u.alphaOverSize * s, u.beta);
  }
}
