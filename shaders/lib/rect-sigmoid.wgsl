// AdaRound's rectified sigmoid h(V) = clamp(σ(V)(ζ − γ) + γ, 0, 1), ζ = 1.1, γ = −0.1
// (../shared/DESIGN.md §3). CPU twin: src/ref/adaround.ts.
const ZETA: f32 = 1.1;
const GAMMA: f32 = -0.1;

// σ(v) without overflow: exp of a non-positive argument only.
fn sigmoid(v: f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

// The stretched sigmoid before the clamp: h = clamp(stretched(σ), 0, 1).
fn stretched(sig: f32) -> f32 {
  return sig * (ZETA - GAMMA) + GAMMA;
}
