// ONNX Conv (NCHW), y = act(conv(x, w) + bias). VARIANT (override): 0 implicit GEMM, 8 out-channels x
// 4 pixels per invocation (packed weights, tap table); 1 depthwise (4 pixels of a row); 2 naive.
// Bindings: 0 x [N,C,H,W], 1 w [M,C/group,kH,kW], 2 bias [M] (unread unless HAS_BIAS), 3 y [N,M,oH,oW]
// (write), 4 uniforms U, 5 wp packed [group][K][MgP] (variant 0), 6 taps [K] (variant 0); unread ones may alias w.
override VARIANT: u32 = 0u;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u; // 0 none, 1 relu, 2 clip(lo, hi)

struct U {
  N: i32, C: i32, H: i32, W: i32, M: i32, oH: i32, oW: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  group: i32, Cg: i32, Mg: i32, K: i32, MgP: i32, oHW: i32, pBlocks: i32, lanesM: i32, items: i32,
  lo: f32, hi: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
@group(0) @binding(5) var<storage, read> wp: array<vec4f>;
// Per reduction index k = (c, kh, kw): (kh*dH, kw*dW, offset of x[c, kh*dH, kw*dW] from x[0, 0, 0], 0).
@group(0) @binding(6) var<storage, read> taps: array<vec4i>;

const WG = 64;

fn act(v: f32) -> f32 {
  if (ACT == 1u) { return max(v, 0.0); }
  if (ACT == 2u) { return min(max(v, u.lo), u.hi); }
  return v;
}

fn biasOf(m: i32) -> f32 {
  if (HAS_BIAS) { return bias[m]; }
  return 0.0;
}

// Channel m of the group starting at channel m0, for the 4 pixels at yOff (+ m*oHW).
fn store4(m0: i32, m: i32, yOff: vec4i, ok: vec4<bool>, v: vec4f) {
  if (m >= u.Mg) { return; }
  let b = biasOf(m0 + m);
  for (var j = 0; j < 4; j++) {
    if (ok[j]) { y[yOff[j] + m * u.oHW] = act(v[j] + b); }
  }
}

// Implicit GEMM: rows = the group's output channels, columns = N*oH*oW pixels, reduction over the
// K = Cg*kH*kW taps. A workgroup is lanesM x (64/lanesM) invocations; each computes 8 channels x
// PT pixels (PT = 4 or 8, override; strided by the pixel lanes so neighbouring invocations touch
// neighbouring pixels). 8 x 8 suits SwiftShader (more products per gathered load), 8 x 4 lavapipe.
override PT: u32 = 4u;

fn loadX(base: vec4i, ih0: vec4i, iw0: vec4i, pOk: vec4<bool>, t: vec4i) -> vec4f {
  // Unsigned compares test 0 <= i < H in one go; padded taps read x[0] and are zeroed.
  let ok = pOk & (vec4u(ih0 + vec4i(t.x)) < vec4u(u32(u.H))) & (vec4u(iw0 + vec4i(t.y)) < vec4u(u32(u.W)));
  let idx = select(vec4i(0), base + vec4i(t.z), ok);
  return select(vec4f(0.0), vec4f(x[idx.x], x[idx.y], x[idx.z], x[idx.w]), ok);
}

fn gemm(wg: i32, li: i32) {
  let lanesP = WG / u.lanesM;
  let pb = wg % u.pBlocks;
  let gmb = wg / u.pBlocks;
  let mBlocks = (u.Mg + 8 * u.lanesM - 1) / (8 * u.lanesM);
  let g = gmb / mBlocks;
  let ml = ((gmb % mBlocks) * u.lanesM + li / lanesP) * 8; // first of 8 channels within the group
  if (g >= u.group || ml >= u.Mg) { return; }
  let P = vec4i(pb * i32(PT) * lanesP + li % lanesP) + vec4i(0, 1, 2, 3) * lanesP;
  let P2 = P + vec4i(4 * lanesP);
  let NP = vec4i(u.N * u.oHW);
  let pOk = P < NP;
  let pOk2 = P2 < NP;
  let n = P / u.oHW;
  let pp = P % u.oHW;
  let n2 = P2 / u.oHW;
  let pp2 = P2 % u.oHW;
  let ih0 = (pp / u.oW) * u.sH - vec4i(u.padT);
  let iw0 = (pp % u.oW) * u.sW - vec4i(u.padL);
  let ih02 = (pp2 / u.oW) * u.sH - vec4i(u.padT);
  let iw02 = (pp2 % u.oW) * u.sW - vec4i(u.padL);
  let base = (n * u.C + vec4i(g * u.Cg)) * (u.H * u.W) + ih0 * u.W + iw0;
  let base2 = (n2 * u.C + vec4i(g * u.Cg)) * (u.H * u.W) + ih02 * u.W + iw02;
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0);
  let wq = u.MgP / 4;
  var wi = g * u.K * wq + ml / 4;
  for (var k = 0; k < u.K; k++) {
    let t = taps[k];
    let xv = loadX(base, ih0, iw0, pOk, t);
    let wa = wp[wi];
    let wb = wp[wi + 1];
    a0 += xv.x * wa; a1 += xv.y * wa; a2 += xv.z * wa; a3 += xv.w * wa;
    b0 += xv.x * wb; b1 += xv.y * wb; b2 += xv.z * wb; b3 += xv.w * wb;
    if (PT == 8u) {
      let xw = loadX(base2, ih02, iw02, pOk2, t);
      c0 += xw.x * wa; c1 += xw.y * wa; c2 += xw.z * wa; c3 += xw.w * wa;
      d0 += xw.x * wb; d1 += xw.y * wb; d2 += xw.z * wb; d3 += xw.w * wb;
    }
    wi += wq;
  }
  // a_j[i] = pixel j, channel ml+i (b: ml+4+i); transposed, row i holds channel i's 4 pixels.
  let ta = transpose(mat4x4f(a0, a1, a2, a3));
  let tb = transpose(mat4x4f(b0, b1, b2, b3));
  let yOff = (n * u.M + vec4i(g * u.Mg)) * u.oHW + pp;
  for (var i = 0; i < 4; i++) {
    store4(g * u.Mg, ml + i, yOff, pOk, ta[i]);
    store4(g * u.Mg, ml + 4 + i, yOff, pOk, tb[i]);
  }
  if (PT == 8u) {
    let tc = transpose(mat4x4f(c0, c1, c2, c3));
    let td = transpose(mat4x4f(d0, d1, d2, d3));
    let yOff2 = (n2 * u.M + vec4i(g * u.Mg)) * u.oHW + pp2;
    for (var i = 0; i < 4; i++) {
      store4(g * u.Mg, ml + i, yOff2, pOk2, tc[i]);
      store4(g * u.Mg, ml + 4 + i, yOff2, pOk2, td[i]);
    }
  }
}

// group == C == M: item = (n, m, oh, 4-wide run of ow); per tap 4 x loads and 1 w load.
fn depthwise(item: i32) {
  if (item >= u.items) { return; }
  let runs = (u.oW + 3) / 4;
  let ow0 = (item % runs) * 4;
  let row = item / runs; // (n*M + m)*oH + oh
  let oh = row % u.oH;
  let plane = row / u.oH; // n*M + m == n*C + c
  let m = plane % u.M;
  let ow = vec4i(ow0) + vec4i(0, 1, 2, 3);
  let colOk = ow < vec4i(u.oW);
  let iw0 = ow * u.sW - vec4i(u.padL);
  var acc = vec4f(biasOf(m));
  for (var kh = 0; kh < u.kH; kh++) {
    let ih = oh * u.sH - u.padT + kh * u.dH;
    if (ih < 0 || ih >= u.H) { continue; }
    let rowBase = vec4i((plane * u.H + ih) * u.W);
    for (var kw = 0; kw < u.kW; kw++) {
      let iw = iw0 + vec4i(kw * u.dW);
      let ok = colOk & (vec4u(iw) < vec4u(u32(u.W)));
      let idx = select(vec4i(0), rowBase + iw, ok);
      let xv = select(vec4f(0.0), vec4f(x[idx.x], x[idx.y], x[idx.z], x[idx.w]), ok);
      acc += xv * w[(m * u.kH + kh) * u.kW + kw];
    }
  }
  let yBase = row * u.oW + ow0;
  for (var j = 0; j < 4; j++) {
    if (colOk[j]) { y[yBase + j] = act(acc[j]); }
  }
}

// The textbook kernel, one output per invocation: the benchmark's baseline.
fn naive(item: i32) {
  if (item >= u.items) { return; }
  let ow = item % u.oW;
  let oh = (item / u.oW) % u.oH;
  let m = (item / u.oHW) % u.M;
  let n = item / (u.oHW * u.M);
  let g = m / u.Mg;
  var s = biasOf(m);
  for (var c = 0; c < u.Cg; c++) {
    for (var kh = 0; kh < u.kH; kh++) {
      let ih = oh * u.sH - u.padT + kh * u.dH;
      if (ih < 0 || ih >= u.H) { continue; }
      for (var kw = 0; kw < u.kW; kw++) {
        let iw = ow * u.sW - u.padL + kw * u.dW;
        if (iw < 0 || iw >= u.W) { continue; }
        s += x[((n * u.C + g * u.Cg + c) * u.H + ih) * u.W + iw] * w[((m * u.Cg + c) * u.kH + kh) * u.kW + kw];
      }
    }
  }
  y[item] = act(s);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let wg = i32(wid.y * nwg.x + wid.x);
  switch VARIANT {
    case 0u: { gemm(wg, i32(li)); }
    case 1u: { depthwise(wg * WG + i32(li)); }
    default: { naive(wg * WG + i32(li)); }
  }
}
