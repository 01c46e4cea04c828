// ONNX QuantizeLinear (y = clamp(round_half_even(x / s) + zp, qmin, qmax)) or, with DEQUANT,
// DequantizeLinear (y = (x − zp)·s), in float32: integer tensors are carried as float32 holding
// exact integers, float8/float4 ones as the values their codes stand for (QuantizeLinear to those,
// man > 0: lib/minifloat, zero point 0). Per tensor, per axis or blocked parameters (mode 0/1/2).
// Bindings: 0 x (read), 1 y (write), 2 scale (read), 3 zero point (read), 4 uniforms.
//!include quantize-linear
//!include minifloat

override DEQUANT: bool = false;

// d: length of the quantization axis; inner: elements after it; block: block size (mode 2);
// blocks: ceil(d / block), the scale's length on the axis in blocked mode. man, emin, flags: the
// small float format of the codes (man = 0: integer codes), its largest finite value in qmax.
struct U { n: u32, mode: u32, d: u32, inner: u32, block: u32, blocks: u32, man: u32, emin: i32, flags: u32, qmin: f32, qmax: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> zero_point: array<f32>;
@group(0) @binding(4) var<uniform> u: U;

fn param_index(i: u32) -> u32 {
  if (u.mode == 0u) { return 0u; }
  let a = (i / u.inner) % u.d;
  if (u.mode == 1u) { return a; }
  let outer = i / (u.inner * u.d);
  return (outer * u.blocks + a / u.block) * u.inner + i % u.inner;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride, sized per adapter by the wrapper (src/gpu/elements.ts).
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    let p = param_index(i);
    let s = scale[p];
    let z = zero_point[p];
    let v = x[i];
    if (DEQUANT) {
      y[i] = (v - z) * s;
    } else {
      let quotient = ql_quotient(v, s);
      if (u.man != 0u) {
        y[i] = minifloat_quantize(v, s, quotient, u.man, u.emin, u.qmax, u.flags);
      } else {
        // quantize_linear_round settles near-ties exactly for s > 0; otherwise WGSL's round (half to even)
        var q = round(quotient);
        if (s > 0.0) { q = quantize_linear_round(v, s, quotient); }
        y[i] = clamp(q + z, u.qmin, u.qmax);
      }
    }
  }
}
