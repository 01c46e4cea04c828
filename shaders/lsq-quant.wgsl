// LSQ activation fake quantization with QDrop dropping (forward), per tensor:
// x̂ = (clamp(round(x/s) + z, qmin, qmax) − z)·s (round half to even, as ONNX QuantizeLinear), and
// y = rand01(step.seed, stream, step.iter, i) < p ? x̂ : x. p ≥ 1 quantizes everywhere and p ≤ 0
// nowhere without drawing (the same mask: rand01 ∈ [0, 1)). [s, z] is pair `slot` of sz.
// Bindings: 0 x (read), 1 y (write), 2 sz ([s, z] pairs, read), 3 uniforms, 4 step (shaders/lib/step.wgsl).
//!include rng
//!include step
struct U { n: u32, stream: u32, slot: u32, _pad: u32, p: f32, qmin: f32, qmax: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> sz: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
@group(0) @binding(4) var<uniform> step: Step;

fn quantized(v: f32, s: f32, z: f32) -> f32 {
  return (clamp(round(v / s) + z, u.qmin, u.qmax) - z) * s;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let s = sz[2u * u.slot];
  let z = sz[2u * u.slot + 1u];
  let draw = u.p > 0.0 && u.p < 1.0;
  // Grid stride over quads of 4 consecutive elements (one random draw serves a quad); the wrapper
  // sizes the grid per adapter (src/gpu/elements.ts).
  let stride = nwg.x * nwg.y * 256u;
  let quads = (u.n + 3u) / 4u;
  for (var qd = (wid.y * nwg.x + wid.x) * 256u + li; qd < quads; qd += stride) {
    var r = vec4f(0.0);
    if (draw) { r = rand01x4(step.seed, u.stream, step.iter, qd); }
    for (var j = 0u; j < 4u; j++) {
      let i = 4u * qd + j;
      if (i >= u.n) { break; }
      let v = x[i];
      let quantize = u.p >= 1.0 || (draw && r[j] < u.p);
      y[i] = select(v, quantized(v, s, z), quantize);
    }
  }
}
