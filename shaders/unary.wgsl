// Element-wise y = f(x). OP (override): 0 Relu, 1 LeakyRelu(a), 2 Clip(a,b), 3 Sigmoid,
// 4 HardSigmoid(a,b), 5 HardSwish, 6 Identity, 7 Tanh, 8 Erf, 9 Gelu, 10 Gelu tanh, 11 Elu(a),
// 12 Selu(a=alpha, b=gamma), 13 Softplus, 14 Sqrt, 15 Exp, 16 Log, 17 Reciprocal, 18 Neg, 19 Abs,
// 20 Floor, 21 Ceil.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, a, b}.
override OP: u32 = 0u;

struct U { n: u32, a: f32, b: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

// erf in float32, max error about 1 ulp (N. Juffa's minimax fit: odd polynomial near 0,
// 1 − exp(−poly) in the tails).
fn erf32(v: f32) -> f32 {
  let t = abs(v);
  let s = v * v;
  if (t > 0.927734375) {
    var r = fma(-1.72853470e-5, t, 3.83197126e-4);
    let q = fma(-3.88396438e-3, t, 2.42546219e-2);
    r = fma(r, s, q);
    r = fma(r, t, -1.06777877e-1);
    r = fma(r, t, -6.34846687e-1);
    r = fma(r, t, -1.28717512e-1);
    r = fma(r, t, -t);
    return sign(v) * (1.0 - exp(r));
  }
  var r = -5.96761703e-4;
  r = fma(r, s, 4.99119423e-3);
  r = fma(r, s, -2.67681349e-2);
  r = fma(r, s, 1.12819925e-1);
  r = fma(r, s, -3.76125336e-1);
  r = fma(r, s, 1.28379166e-1);
  return fma(r, v, v);
}

// tanh of a clamped argument: tanh(±9) is ±1 in float32, and some drivers return NaN for
// tanh of large arguments (exp overflow in a ratio).
fn tanh32(v: f32) -> f32 { return tanh(clamp(v, -9.0, 9.0)); }

// NaN and −∞ from their bits (a constant expression may not be either in WGSL: they depend on a uniform).
fn nan() -> f32 { return bitcast<f32>(0x7fc00000u | (u.n & 0u)); }
fn ninf() -> f32 { return bitcast<f32>(0xff800000u | (u.n & 0u)); }

// log with ONNX's edges; SwiftShader's log(0) is −88 (flushed to the smallest normal) otherwise.
fn log32(v: f32) -> f32 {
  if (v == 0.0) { return ninf(); }
  return select(log(v), nan(), v < 0.0);
}

fn f(v: f32) -> f32 {
  switch OP {
    case 0u: { return max(v, 0.0); }
    case 1u: { return select(u.a * v, v, v >= 0.0); }
    case 2u: { return min(max(v, u.a), u.b); }
    case 3u: { return 1.0 / (1.0 + exp(-v)); }
    case 4u: { return clamp(u.a * v + u.b, 0.0, 1.0); }
    case 5u: { return v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }
    case 7u: { return tanh32(v); }
    case 8u: { return erf32(v); }
    case 9u: { return 0.5 * v * (1.0 + erf32(v * 0.70710678118654752)); }
    case 10u: { return 0.5 * v * (1.0 + tanh32(0.79788456080286536 * (v + 0.044715 * v * v * v))); }
    case 11u: { return select(u.a * (exp(v) - 1.0), v, v >= 0.0); }
    case 12u: { return u.b * select(u.a * (exp(v) - 1.0), v, v > 0.0); }
    // log(1 + e^v) = max(v, 0) + log(1 + e^−|v|): no overflow for large v
    case 13u: { return max(v, 0.0) + log(1.0 + exp(-abs(v))); }
    case 14u: { return select(sqrt(v), nan(), v < 0.0); }
    case 15u: { return exp(v); }
    case 16u: { return log32(v); }
    case 17u: { return 1.0 / v; }
    case 18u: { return -v; }
    case 19u: { return abs(v); }
    case 20u: { return floor(v); }
    case 21u: { return ceil(v); }
    default: { return v; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride: the wrapper sizes the grid per adapter (src/gpu/elements.ts); CPU adapters get few,
  // long-running invocations (per-workgroup overhead dominates there), GPUs one element each.
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    y[i] = f(x[i]);
  }
}
