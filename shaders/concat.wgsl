// Concat, one input per dispatch: copies x, viewed as [outer, block], into its slab of y viewed as
// [outer, yBlock] at column `offset`. Bindings: 0 x (read), 1 y (write), 2 uniforms {n, block, yBlock, offset}.
struct U { n: u32, block: u32, yBlock: u32, offset: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  let o = i / u.block;
  y[o * u.yBlock + u.offset + (i - o * u.block)] = x[i];
}
