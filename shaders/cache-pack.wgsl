// Float32 samples into a float16 sample cache (src/recon/cache.ts): sample s of the source
// (values src[(srcFirst + s)·srcStride + e], e < size) becomes sample dstFirst + s of the cache,
// two values per 32-bit word (low half first), its odd tail padded with 0; dstStride is even.
// One invocation per destination word, grid stride. Rounding: lib/half.wgsl (nearest even).
// Bindings: 0 src (read), 1 dst cache chunk (read_write),
// 2 uniforms {samples, size, srcStride, dstStride, srcFirst, dstFirst}.
//!include half
struct U { samples: u32, size: u32, srcStride: u32, dstStride: u32, srcFirst: u32, dstFirst: u32 }

@group(0) @binding(0) var<storage, read> src: array<u32>; // float32 bits
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> u: U;

fn value(s: u32, e: u32) -> u32 {
  if (e >= u.size) { return 0u; }
  return half_of_f32_bits(src[(u.srcFirst + s) * u.srcStride + e]);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let words = u.dstStride / 2u;
  let n = u.samples * words;
  let stride = nwg.x * nwg.y * 64u;
  for (var w = (wid.y * nwg.x + wid.x) * 64u + li; w < n; w += stride) {
    let s = w / words;
    let j = w - s * words;
    dst[(u.dstFirst + s) * words + j] = value(s, 2u * j) | (value(s, 2u * j + 1u) << 16u);
  }
}
