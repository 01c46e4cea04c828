// Element-wise activations y = f(x). OP (override): 0 Relu, 1 LeakyRelu(a), 2 Clip(a,b),
// 3 Sigmoid, 4 HardSigmoid(a,b), 5 HardSwish, 6 Identity.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, a, b}.
override OP: u32 = 0u;

struct U { n: u32, a: f32, b: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

fn f(v: f32) -> f32 {
  switch OP {
    case 0u: { return max(v, 0.0); }
    case 1u: { return select(u.a * v, v, v >= 0.0); }
    case 2u: { return min(max(v, u.a), u.b); }
    case 3u: { return 1.0 / (1.0 + exp(-v)); }
    case 4u: { return clamp(u.a * v + u.b, 0.0, 1.0); }
    case 5u: { return v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }
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
