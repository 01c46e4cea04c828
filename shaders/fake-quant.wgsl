// Fake quantization y = (clamp(round(x/s_c) + z_c, qmin, qmax) − z_c)·s_c in float32, as ONNX
// QuantizeLinear → DequantizeLinear compute it: x / s divided (never x·(1/s)), rounded half to even
// exactly (lib/quantize-linear); per tensor (channels = 1) or per channel c = (i / inner) % channels.
// With u.codes = 1 the output is the integer q − z_c itself (as a float, exact), not its dequantization.
// Bindings: 0 x (read), 1 y (write), 2 params [scale_c, zero_point_c] pairs (read), 3 uniforms.
//!include quantize-linear

struct U { n: u32, inner: u32, channels: u32, codes: u32, qmin: f32, qmax: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride: the wrapper sizes the grid per adapter (src/gpu/elements.ts); CPU adapters get few,
  // long-running invocations (per-workgroup overhead dominates there), GPUs one element each.
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    let p = params[(i / u.inner) % u.channels];
    let v = x[i];
    let quotient = ql_quotient(v, p.x);
    let q = clamp(quantize_linear_round(v, p.x, quotient) + p.y, u.qmin, u.qmax);
    y[i] = select((q - p.y) * p.x, q - p.y, u.codes != 0u);
  }
}
