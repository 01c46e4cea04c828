// Counter-based random numbers: a value is a pure function of (seed, stream, counter, index), so
// every kernel can draw its own numbers in any order and a run is reproducible from its seed.
// pcg4d (Jarzynski & Olano, "Hash Functions for GPU Rendering", JCGT 2020) over the four words.
// Twin in src/ref/rng.ts (bit-exact). Streams: see src/recon/step.ts.
fn pcg4d(v0: vec4u) -> vec4u {
  var v = v0 * 1664525u + 1013904223u;
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  v = v ^ (v >> vec4u(16u));
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  return v;
}

// Four uniforms in [0, 1) with 24 random bits each, for the elements 4·quad .. 4·quad + 3: one hash
// serves four consecutive elements (the hash is most of an element-wise kernel's work on a CPU).
fn rand01x4(seed: u32, stream: u32, counter: u32, quad: u32) -> vec4f {
  let h = pcg4d(vec4u(quad, counter, stream, seed));
  return vec4f(h >> vec4u(8u)) * (1.0 / 16777216.0);
}

// The uniform of element `index`: component index % 4 of its quad's draw.
fn rand01(seed: u32, stream: u32, counter: u32, index: u32) -> f32 {
  return rand01x4(seed, stream, counter, index >> 2u)[index & 3u];
}
