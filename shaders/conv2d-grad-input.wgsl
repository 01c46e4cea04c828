// Gradient of ONNX Conv (NCHW) w.r.t. its input: dx = ∂L/∂x of y = conv(x, w) given dy = ∂L/∂y,
// with groups, strides, asymmetric pads and dilations. dx is overwritten.
// Bindings: 0 dy [N,M,oH,oW], 1 w [M,Cg,kH,kW], 2 dx [N,C,H,W] (write), 3 uniforms U.
// An invocation computes CT input channels of one group (CT = 1, 2, 4 or 8, override) x 4 pixels of one
// input row ih: the pixels iw = ph + sW*(t0 + j), j = 0..3, that share the stride phase ph. For every
// tap (kh, kw) those 4 pixels either all receive from output row oh and the 4 consecutive output
// columns ow0 + j, or none does, so a tap costs 4 dy loads + CT w loads per output channel.
override CT: u32 = 4u;

struct U {
  N: i32, C: i32, H: i32, W: i32, M: i32, oH: i32, oW: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  group: i32, Cg: i32, Mg: i32, cBlocks: i32, tBlocks: i32, items: i32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

const WG = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // item = ((((n * group + g) * cBlocks + cb) * H + ih) * sW + ph) * tBlocks + tb
  let item = i32(wid.y * nwg.x + wid.x) * WG + i32(li);
  if (item >= u.items) { return; }
  let tb = item % u.tBlocks;
  var r = item / u.tBlocks;
  let ph = r % u.sW;
  r = r / u.sW;
  let ih = r % u.H;
  r = r / u.H;
  let cb = r % u.cBlocks;
  r = r / u.cBlocks;
  let g = r % u.group;
  let n = r / u.group;

  let t = vec4i(tb * 4) + vec4i(0, 1, 2, 3);
  let iw = vec4i(ph) + t * u.sW;
  let colOk = iw < vec4i(u.W);
  let cl0 = cb * i32(CT); // first channel within the group
  let kk = u.kH * u.kW;
  let oHW = u.oH * u.oW;
  // w offsets of channels cl0 + i (wc: i < 4, wc2: 4 <= i < 8) within an output channel's filter;
  // channels past Cg are clamped (in bounds) and their results dropped.
  let wc = min(vec4i(cl0) + vec4i(0, 1, 2, 3), vec4i(u.Cg - 1)) * kk;
  let wc2 = min(vec4i(cl0) + vec4i(4, 5, 6, 7), vec4i(u.Cg - 1)) * kk;
  let wmStride = u.Cg * kk;
  let dyGroup = (n * u.M + g * u.Mg) * oHW;
  let wGroup = g * u.Mg * wmStride;
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
  for (var kh = 0; kh < u.kH; kh++) {
    let nh = ih + u.padT - kh * u.dH;
    if (nh < 0 || nh % u.sH != 0) { continue; }
    let oh = nh / u.sH;
    if (oh >= u.oH) { continue; }
    for (var kw = 0; kw < u.kW; kw++) {
      // ow_j = (iw_j + padL - kw*dW) / sW = t_j + q / sW when q is a multiple of sW (q may be negative;
      // % and / truncate, which is exact here).
      let q = ph + u.padL - kw * u.dW;
      if (q % u.sW != 0) { continue; }
      let ow = t + vec4i(q / u.sW);
      let ok = colOk & (vec4u(ow) < vec4u(u32(u.oW)));
      if (!any(ok)) { continue; }
      var di = select(vec4i(0), vec4i(dyGroup + oh * u.oW) + ow, ok);
      var wi = wGroup + kh * u.kW + kw;
      for (var m = 0; m < u.Mg; m++) {
        let d = select(vec4f(0.0), vec4f(dy[di.x], dy[di.y], dy[di.z], dy[di.w]), ok);
        a0 += w[wi + wc.x] * d;
        if (CT >= 2u) { a1 += w[wi + wc.y] * d; }
        if (CT >= 4u) {
          a2 += w[wi + wc.z] * d;
          a3 += w[wi + wc.w] * d;
        }
        if (CT == 8u) {
          b0 += w[wi + wc2.x] * d;
          b1 += w[wi + wc2.y] * d;
          b2 += w[wi + wc2.z] * d;
          b3 += w[wi + wc2.w] * d;
        }
        di += vec4i(oHW);
        wi += wmStride;
      }
    }
  }
  let accA = mat4x4f(a0, a1, a2, a3);
  let accB = mat4x4f(b0, b1, b2, b3);
  let HW = u.H * u.W;
  let xBase = (n * u.C + g * u.Cg + cl0) * HW + ih * u.W;
  for (var i = 0; i < i32(CT); i++) {
    if (cl0 + i >= u.Cg) { break; }
    let v = select(accA[i & 3], accB[i & 3], i >= 4);
    for (var j = 0; j < 4; j++) {
      if (colOk[j]) { dx[xBase + i * HW + iw[j]] = v[j]; }
    }
  }
}
