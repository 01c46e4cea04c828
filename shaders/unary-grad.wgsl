// Backward of the element-wise activations of shaders/unary.wgsl: dx = dy · f'(x), x the forward
// INPUT. OP (override): 0 Relu, 1 LeakyRelu(a), 2 Clip(a = min, b = max), 3 Sigmoid,
// 4 HardSigmoid(a = alpha, b = beta), 5 HardSwish, 6 Identity.
// Kinks follow PyTorch: Relu 0 at x = 0; LeakyRelu a at x = 0; Clip 1 only for min < x < max
// (hardtanh); HardSigmoid a only for 0 < a·x + b < 1; HardSwish 0 for x <= −3, x/3 + 1/2 for
// −3 < x < 3, 1 for x >= 3.
// Bindings: 0 x (read), 1 dy (read), 2 dx (write), 3 uniforms {n, a, b}.
override OP: u32 = 0u;

struct U { n: u32, a: f32, b: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

/** f'(v). */
fn df(v: f32) -> f32 {
  switch OP {
    case 0u: { return select(0.0, 1.0, v > 0.0); }
    case 1u: { return select(u.a, 1.0, v > 0.0); }
    case 2u: { return select(0.0, 1.0, v > u.a && v < u.b); }
    case 3u: {
      // σ(v)(1 − σ(v)) = e / (1 + e)² with e = exp(−|v|): no cancellation for large |v|.
      let e = exp(-abs(v));
      let d = 1.0 + e;
      return e / (d * d);
    }
    case 4u: {
      let t = u.a * v + u.b;
      return select(0.0, u.a, t > 0.0 && t < 1.0);
    }
    case 5u: {
      if (v <= -3.0) { return 0.0; }
      if (v < 3.0) { return v / 3.0 + 0.5; }
      return 1.0;
    }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride: the wrapper sizes the grid per adapter (src/gpu/elements.ts); CPU adapters get few,
  // long-running invocations (per-workgroup overhead dominates there), GPUs one element each.
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < u.n; i += stride) {
    dx[i] = dy[i] * df(x[i]);
  }
}
