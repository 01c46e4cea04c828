// ONNX Conv (NCHW) as an implicit GEMM tiled through workgroup memory: the kernel family for real
// GPUs (src/gpu/family.ts). Y[m, p] = act(Σ_k Wp[k, m] · X̂[k, p] + bias[m]) per group, where p runs
// over the N*oH*oW output pixels and X̂ is the im2col view of x through the tap table. A workgroup
// of 256 invocations computes a 64-channel x 64-pixel tile: per step of 16 taps it stages a 16 x 64
// slice of both operands in workgroup memory (one vec4 of Wp and 4 gathered x values per
// invocation), then each invocation accumulates a 4 x 4 register tile from it.
// Bindings: 0 x [N,C,H,W], 1 bias [M] (unread unless HAS_BIAS; may alias wp), 2 y [N,M,oH,oW] (write),
// 3 uniforms U (as conv2d.wgsl), 4 wp packed [group][K][MgP] (conv2d-pack-weights), 5 taps [K].
override HAS_BIAS: bool = false;
override ACT: u32 = 0u; // 0 none, 1 relu, 2 clip(lo, hi)

struct U {
  N: i32, C: i32, H: i32, W: i32, M: i32, oH: i32, oW: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  group: i32, Cg: i32, Mg: i32, K: i32, MgP: i32, oHW: i32, pBlocks: i32, mBlocks: i32, items: i32,
  lo: f32, hi: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
@group(0) @binding(4) var<storage, read> wp: array<vec4f>;
@group(0) @binding(5) var<storage, read> taps: array<vec4i>;

const BK = 16;
var<workgroup> ws: array<vec4f, 256>; // [kk][channel quad]: 16 x 16 vec4 = 16 taps x 64 channels
var<workgroup> xs: array<vec4f, 256>; // [kk][pixel quad]: 16 taps x 64 pixels

fn act(v: vec4f) -> vec4f {
  if (ACT == 1u) { return max(v, vec4f(0.0)); }
  if (ACT == 2u) { return min(max(v, vec4f(u.lo)), vec4f(u.hi)); }
  return v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lidx: u32) {
  let li = i32(lidx);
  let wg = i32(wid.y * nwg.x + wid.x);
  // Uniform control flow: a workgroup past the end still runs every barrier, with nothing to store.
  let live = wg < u.items;
  let pb = wg % u.pBlocks;
  let gmb = wg / u.pBlocks;
  let g = min(gmb / u.mBlocks, u.group - 1);
  let m0 = (gmb % u.mBlocks) * 64; // first channel of the tile within the group
  let p0 = pb * 64;
  let NP = u.N * u.oHW;

  // Loader roles: tap row kk = li / 16 of the slice; channel quad / pixel quad q = li % 16.
  let kk = li / 16;
  let q = li % 16;
  let P = vec4i(p0 + q * 4) + vec4i(0, 1, 2, 3);
  let pOk = P < vec4i(NP);
  let n = P / u.oHW;
  let pp = P % u.oHW;
  let ih0 = (pp / u.oW) * u.sH - vec4i(u.padT);
  let iw0 = (pp % u.oW) * u.sW - vec4i(u.padL);
  let base = (n * u.C + vec4i(g * u.Cg)) * (u.H * u.W) + ih0 * u.W + iw0;
  let wq = u.MgP / 4;
  let mq = m0 / 4 + q; // channel quad this invocation loads
  let wRow = g * u.K * wq + mq;

  // Compute roles: channels m0 + tm*4 .. +3, pixels p0 + tn*4 .. +3.
  let tm = li / 16;
  let tn = li % 16;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);

  for (var k0 = 0; k0 < u.K; k0 += BK) {
    let k = k0 + kk;
    var wv = vec4f(0.0);
    var xv = vec4f(0.0);
    if (k < u.K) {
      if (mq < wq) { wv = wp[wRow + k * wq]; }
      let t = taps[k];
      let ok = pOk & (vec4u(ih0 + vec4i(t.x)) < vec4u(u32(u.H))) & (vec4u(iw0 + vec4i(t.y)) < vec4u(u32(u.W)));
      let idx = select(vec4i(0), base + vec4i(t.z), ok);
      xv = select(vec4f(0.0), vec4f(x[idx.x], x[idx.y], x[idx.z], x[idx.w]), ok);
    }
    ws[li] = wv;
    xs[li] = xv;
    workgroupBarrier();
    for (var j = 0; j < BK; j++) {
      let a = ws[j * 16 + tm];
      let b = xs[j * 16 + tn];
      acc0 += a.x * b; acc1 += a.y * b; acc2 += a.z * b; acc3 += a.w * b;
    }
    workgroupBarrier();
  }

  if (!live) { return; }
  let Po = vec4i(p0 + tn * 4) + vec4i(0, 1, 2, 3);
  let oOk = Po < vec4i(NP);
  let on = Po / u.oHW;
  let opp = Po % u.oHW;
  let accs = mat4x4f(acc0, acc1, acc2, acc3);
  for (var i = 0; i < 4; i++) {
    let m = m0 + tm * 4 + i;
    if (m >= u.Mg) { break; }
    let mAbs = g * u.Mg + m;
    var b = 0.0;
    if (HAS_BIAS) { b = bias[mAbs]; }
    let v = act(accs[i] + vec4f(b));
    let yi = (on * u.M + vec4i(mAbs)) * u.oHW + opp;
    for (var j = 0; j < 4; j++) {
      if (oOk[j]) { y[yi[j]] = v[j]; }
    }
  }
}
