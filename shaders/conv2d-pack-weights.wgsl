// Repacks Conv weights w [M, Cg, kH, kW] into [group][K][MgP] (MgP = Mg rounded up to 8, zero-filled),
// the layout conv2d.wgsl's GEMM variant and conv2d-wg.wgsl read as vec4s of channels.
// FLIP = false: the forward conv, K = Cg*kH*kW, packed[g][(c,kh,kw)][m] = w[g*Mg + m, c, kh, kw].
// FLIP = true: the input gradient of a stride-1 conv as a forward conv of dy, whose output channels
// are the Cg input channels (Mg' = Cg) and reduction runs over (m, kh', kw') with the kernel
// flipped: K = Mg*kH*kW, packed[g][(m,kh',kw')][c] = w[g*Mg + m, c, kH-1-kh', kW-1-kw'].
// Bindings: 0 w (read), 1 packed [group*K*MgP] (write), 2 uniforms U (Mg: output channels per
// group of the packed conv; srcMg, srcCg: w's own per-group counts).
override FLIP: bool = false;

struct U { group: u32, K: u32, Mg: u32, MgP: u32, srcMg: u32, srcCg: u32, kH: u32, kW: u32 }

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
  if (m < u.Mg) {
    if (FLIP) {
      let kHW = u.kH * u.kW;
      let src = k / kHW; // output channel of w within the group
      let r = k % kHW;
      let kh = u.kH - 1u - r / u.kW;
      let kw = u.kW - 1u - r % u.kW;
      v = w[(((g * u.srcMg + src) * u.srcCg + m) * u.kH + kh) * u.kW + kw];
    } else {
      v = w[(g * u.Mg + m) * u.K + k];
    }
  }
  packed[i] = v;
}
