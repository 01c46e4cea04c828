// Training-batch sampling for block reconstruction (BRECQ / QDrop), one thread per output element.
// Sample b of the batch takes cache entry i_b = min(⌊rand01(seed, 1, iter, b) · count⌋, count − 1)
// (with replacement, like torch.randint) and element e of it is
//   out[b, e] = rand01(seed, 2, iter, b·size + e) < pIn ? q[i_b, e] : fp[i_b, e].
// The batch input uses fp = xFp, q = xQ; the batch target uses fp = q = yFp with pIn = 0 (the
// same i_b: it depends only on seed, iter and b). Streams 1 and 2 are STREAM.batch / STREAM.input
// of src/recon/step.ts.
// The caches are chunked (src/recon/cache.ts): this dispatch sees samples [first, first + chunk)
// and writes only the batch rows that picked one of them; the host dispatches once per chunk.
// A chunk holds float32 values (half = 0) or float16 pairs packed in 32-bit words (half = 1,
// read with the core unpack2x16float: no shader-f16 needed); sample s starts at value s·stride.
// Bindings: 0 fp chunk (read), 1 q chunk (read), 2 out (write),
// 3 uniforms {n = batch·size, size, count, first, chunk, stride, half, pIn}, 4 the Step uniform.
//!include step
//!include rng
struct U { n: u32, size: u32, count: u32, first: u32, chunk: u32, stride: u32, half: u32, pIn: f32 }

@group(0) @binding(0) var<storage, read> fp: array<u32>;
@group(0) @binding(1) var<storage, read> q: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
@group(0) @binding(4) var<uniform> st: Step;

const STREAM_BATCH = 1u;
const STREAM_INPUT = 2u;

fn load(from_q: bool, k: u32) -> f32 {
  if (u.half == 0u) {
    if (from_q) { return bitcast<f32>(q[k]); }
    return bitcast<f32>(fp[k]);
  }
  var w: u32;
  if (from_q) { w = q[k >> 1u]; } else { w = fp[k >> 1u]; }
  let pair = unpack2x16float(w);
  if ((k & 1u) == 0u) { return pair.x; }
  return pair.y;
}

// The cache entry sample b picked (may lie outside this chunk).
fn pickOf(b: u32) -> u32 {
  return min(u32(floor(rand01(st.seed, STREAM_BATCH, st.iter, b) * f32(u.count))), u.count - 1u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // Grid stride over quads of 4 consecutive elements (one input-mixing draw serves a quad); the
  // wrapper sizes the grid per adapter (src/gpu/elements.ts).
  let stride = nwg.x * nwg.y * 64u;
  let quads = (u.n + 3u) / 4u;
  for (var qd = (wid.y * nwg.x + wid.x) * 64u + li; qd < quads; qd += stride) {
    var r = vec4f(1.0);
    if (u.pIn > 0.0) { r = rand01x4(st.seed, STREAM_INPUT, st.iter, qd); }
    var b = (4u * qd) / u.size;
    var pick = pickOf(b);
    for (var j = 0u; j < 4u; j++) {
      let i = 4u * qd + j;
      if (i >= u.n) { break; }
      if (i / u.size != b) {
        b = i / u.size;
        pick = pickOf(b);
      }
      if (pick < u.first || pick - u.first >= u.chunk) { continue; }
      let src = (pick - u.first) * u.stride + (i - b * u.size);
      out[i] = load(r[j] < u.pIn, src);
    }
  }
}
