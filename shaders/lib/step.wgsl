// Per-iteration values of a reconstruction step, written by the host before each iteration
// (a 32-byte uniform; nothing is read back). Layout mirrors src/recon/step.ts.
struct Step {
  iter: u32,    // iteration t of this block (0-based): the RNG counter
  seed: u32,    // run seed (mixed with the block index)
  beta: f32,    // AdaRound regulariser exponent β(t)
  lambda: f32,  // regulariser weight λ (0 during warm-up)
  lr_v: f32,    // Adam learning rate of the rounding variables V
  lr_s: f32,    // Adam learning rate of the activation step sizes (cosine-decayed)
  bc1: f32,     // Adam bias correction 1 − β1^(t+1)
  bc2: f32,     // Adam bias correction 1 − β2^(t+1)
}
