// Gradient of ONNX Conv (NCHW) w.r.t. its weights as a GEMM tiled through workgroup memory: the
// kernel family for real GPUs (src/gpu/family.ts). dw[m, k] = Σ_p dy[m, p] · X̂[k, p] per group, p over
// the N*oH*oW output pixels, k = (c, kh, kw) over Cg*kH*kW taps (X̂: im2col of x). A workgroup of 256
// computes a 64-channel x 64-tap tile over one chunk of `chunk` pixels (split-K: chunk s writes
// out[s * M*K + ...], conv2d-grad-weight-reduce adds the chunks; with one chunk out is dw). Per step
// of 16 pixels both operands are staged in workgroup memory (4 dy and 4 x values per invocation);
// each invocation accumulates a 4 x 4 register tile.
// Bindings: 0 x [N,C,H,W], 1 dy [N,M,oH,oW], 2 out [S][M][K] (write), 3 uniforms U.
struct U {
  N: i32, C: i32, H: i32, W: i32, M: i32, oH: i32, oW: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  group: i32, Cg: i32, Mg: i32, K: i32, mBlocks: i32, kBlocks: i32, chunk: i32, P: i32, items: i32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

const BP = 16;
var<workgroup> ds: array<vec4f, 256>; // [pixel][channel quad]: 16 pixels x 64 channels
var<workgroup> xs: array<vec4f, 256>; // [pixel][tap quad]: 16 pixels x 64 taps

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lidx: u32) {
  let li = i32(lidx);
  // tile = ((s * group + g) * mBlocks + mb) * kBlocks + kb; uniform control flow throughout
  let tile = i32(wid.y * nwg.x + wid.x);
  let live = tile < u.items;
  let kb = tile % u.kBlocks;
  var r = tile / u.kBlocks;
  let mb = r % u.mBlocks;
  r = r / u.mBlocks;
  let g = r % u.group;
  let s = r / u.group;
  let m0 = mb * 64;
  let k0 = kb * 64;
  let HW = u.H * u.W;
  let oHW = u.oH * u.oW;
  let kHW = u.kH * u.kW;

  // Loader roles: pixel row pp = li / 16 of the slice, channel quad / tap quad q = li % 16.
  let pp = li / 16;
  let q = li % 16;
  let mL = vec4i(m0 + q * 4) + vec4i(0, 1, 2, 3);
  let mOk = mL < vec4i(u.Mg);
  let dyM = (vec4i(g * u.Mg) + min(mL, vec4i(u.Mg - 1))) * oHW;
  let kL = vec4i(k0 + q * 4) + vec4i(0, 1, 2, 3);
  let kOk = kL < vec4i(u.K);
  let kc = min(kL, vec4i(u.K - 1));
  let tapH = ((kc / u.kW) % u.kH) * u.dH;
  let tapW = (kc % u.kW) * u.dW;
  let xTap = (vec4i(g * u.Cg) + kc / kHW) * HW + tapH * u.W + tapW;

  // Compute roles: channels m0 + tm*4 .. +3, taps k0 + tk*4 .. +3.
  let tm = li / 16;
  let tk = li % 16;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);

  let pStart = s * u.chunk;
  let pEnd = min(pStart + u.chunk, u.P);
  for (var p0 = pStart; p0 < pEnd; p0 += BP) {
    let p = p0 + pp;
    var dv = vec4f(0.0);
    var xv = vec4f(0.0);
    if (live && p < pEnd) {
      let n = p / oHW;
      let rem = p % oHW;
      let oh = rem / u.oW;
      let ow = rem % u.oW;
      let di = vec4i(n * u.M * oHW + rem) + dyM;
      dv = select(vec4f(0.0), vec4f(dy[di.x], dy[di.y], dy[di.z], dy[di.w]), mOk);
      let ih = vec4i(oh * u.sH - u.padT) + tapH;
      let iw = vec4i(ow * u.sW - u.padL) + tapW;
      let ok = kOk & (vec4u(ih) < vec4u(u32(u.H))) & (vec4u(iw) < vec4u(u32(u.W)));
      let xi = select(vec4i(0), vec4i(n * u.C * HW + (oh * u.sH - u.padT) * u.W + ow * u.sW - u.padL) + xTap, ok);
      xv = select(vec4f(0.0), vec4f(x[xi.x], x[xi.y], x[xi.z], x[xi.w]), ok);
    }
    ds[li] = dv;
    xs[li] = xv;
    workgroupBarrier();
    for (var j = 0; j < BP; j++) {
      let a = ds[j * 16 + tm];
      let b = xs[j * 16 + tk];
      acc0 += a.x * b; acc1 += a.y * b; acc2 += a.z * b; acc3 += a.w * b;
    }
    workgroupBarrier();
  }

  if (!live) { return; }
  let accs = mat4x4f(acc0, acc1, acc2, acc3);
  let base = s * u.M * u.K;
  for (var i = 0; i < 4; i++) {
    let m = m0 + tm * 4 + i;
    if (m >= u.Mg) { break; }
    let row = base + (g * u.Mg + m) * u.K;
    for (var j = 0; j < 4; j++) {
      let k = k0 + tk * 4 + j;
      if (k < u.K) { out[row + k] = accs[i][j]; }
    }
  }
}
