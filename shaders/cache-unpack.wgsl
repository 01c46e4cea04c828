// Float16 samples of a sample cache (src/recon/cache.ts) into float32: value e < size of cache
// sample srcFirst + s (srcStride even, two values per 32-bit word, low half first) becomes
// dst[(dstFirst + s)·dstStride + e], exactly (lib/half.wgsl). One invocation per value, grid stride.
// Bindings: 0 src cache chunk (read), 1 dst (read_write),
// 2 uniforms {samples, size, srcStride, dstStride, srcFirst, dstFirst}.
//!include half
struct U { samples: u32, size: u32, srcStride: u32, dstStride: u32, srcFirst: u32, dstFirst: u32 }

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>; // float32 bits
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let n = u.samples * u.size;
  let stride = nwg.x * nwg.y * 64u;
  for (var i = (wid.y * nwg.x + wid.x) * 64u + li; i < n; i += stride) {
    let s = i / u.size;
    let e = i - s * u.size;
    let k = (u.srcFirst + s) * u.srcStride + e;
    let word = src[k >> 1u];
    dst[(u.dstFirst + s) * u.dstStride + e] = f32_bits_of_half((word >> ((k & 1u) * 16u)) & 0xffffu);
  }
}
