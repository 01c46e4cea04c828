// Repacks Conv weights [M, K=C/group*kH*kW] (per group g: rows g*Mg..) into [group][K][MgP] with
// MgP = Mg rounded up to 8 and zero-filled, so conv2d.wgsl's GEMM variant reads 8 channels as 2 vec4.
// Bindings: 0 w [M, K] (read), 1 packed [group*K*MgP] (write), 2 uniforms U.
struct U { group: u32, K: u32, Mg: u32, MgP: u32 }

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read_write> packed: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.group * u.K * u.MgP) { return; }
  let m = i % u.MgP;
  let k = (i / u.MgP) % u.K;
  let g = i / (u.MgP * u.K);
  var v = 0.0;
  if (m < u.Mg) { v = w[(g * u.Mg + m) * u.K + k]; }
  packed[i] = v;
}
