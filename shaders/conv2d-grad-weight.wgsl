// Gradient of ONNX Conv (NCHW) w.r.t. its weights: dw = ∂L/∂w of y = conv(x, w) given dy = ∂L/∂y,
// a sum over the P = N*oH*oW output pixels, split into S chunks of `chunk` pixels (split-K): chunk s
// writes its partial sums to out[s * M*K + ...], and conv2d-grad-weight-reduce adds them up. With
// S == 1 out is dw itself.
// Bindings: 0 x [N,C,H,W], 1 dy [N,M,oH,oW], 2 out [S][M][K] (write), 3 uniforms U; K = Cg*kH*kW.
// An invocation computes MT output channels of one group (MT = 1, 2, 4 or 8, override) x 4 reduction
// taps k = (c, kh, kw) of the filter, over one chunk: per pixel MT dy loads + 4 x loads, 4*MT products.
override MT: u32 = 4u;

struct U {
  N: i32, C: i32, H: i32, W: i32, M: i32, oH: i32, oW: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, padT: i32, padL: i32, dH: i32, dW: i32,
  group: i32, Cg: i32, Mg: i32, K: i32, mBlocks: i32, kBlocks: i32, chunk: i32, P: i32, items: i32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

const WG = 64;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // item = ((s * group + g) * mBlocks + mb) * kBlocks + kb
  let item = i32(wid.y * nwg.x + wid.x) * WG + i32(li);
  if (item >= u.items) { return; }
  let kb = item % u.kBlocks;
  var r = item / u.kBlocks;
  let mb = r % u.mBlocks;
  r = r / u.mBlocks;
  let g = r % u.group;
  let s = r / u.group;

  // The 4 taps (clamped to K-1 past the end; those results are dropped).
  let kHW = u.kH * u.kW;
  let k = min(vec4i(kb * 4) + vec4i(0, 1, 2, 3), vec4i(u.K - 1));
  let c = k / kHW;
  let tapH = ((k / u.kW) % u.kH) * u.dH;
  let tapW = (k % u.kW) * u.dW;
  let HW = u.H * u.W;
  let xTap = (vec4i(g * u.Cg) + c) * HW + tapH * u.W + tapW;
  // The MT output channels m, m2 (clamped within the group likewise) and their dy plane offsets.
  let oHW = u.oH * u.oW;
  let ml0 = mb * i32(MT);
  let m = vec4i(g * u.Mg) + min(vec4i(ml0) + vec4i(0, 1, 2, 3), vec4i(u.Mg - 1));
  let m2 = vec4i(g * u.Mg) + min(vec4i(ml0) + vec4i(4, 5, 6, 7), vec4i(u.Mg - 1));
  let dyM = m * oHW;
  let dyM2 = m2 * oHW;

  let H = vec4u(u32(u.H));
  let W = vec4u(u32(u.W));
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
  var p = s * u.chunk;
  let pEnd = min(p + u.chunk, u.P);
  var n = p / oHW;
  var oh = (p % oHW) / u.oW;
  var ow0 = p % u.oW;
  // One output row (n, oh) segment [ow0, owEnd) at a time: the row bounds test is per segment.
  while (p < pEnd) {
    let owEnd = min(u.oW, ow0 + (pEnd - p));
    let ih = vec4i(oh * u.sH - u.padT) + tapH;
    let rowOk = vec4u(ih) < H;
    let xRow = n * u.C * HW + (oh * u.sH - u.padT) * u.W - u.padL;
    let dyRow = n * u.M * oHW + oh * u.oW;
    for (var ow = ow0; ow < owEnd; ow++) {
      let iw0 = ow * u.sW - u.padL;
      let ok = rowOk & (vec4u(vec4i(iw0) + tapW) < W);
      let xi = select(vec4i(0), vec4i(xRow + ow * u.sW) + xTap, ok);
      let xv = select(vec4f(0.0), vec4f(x[xi.x], x[xi.y], x[xi.z], x[xi.w]), ok);
      let di = dyRow + ow;
      a0 += dy[di + dyM.x] * xv;
      if (MT >= 2u) { a1 += dy[di + dyM.y] * xv; }
      if (MT >= 4u) {
        a2 += dy[di + dyM.z] * xv;
        a3 += dy[di + dyM.w] * xv;
      }
      if (MT == 8u) {
        b0 += dy[di + dyM2.x] * xv;
        b1 += dy[di + dyM2.y] * xv;
        b2 += dy[di + dyM2.z] * xv;
        b3 += dy[di + dyM2.w] * xv;
      }
    }
    p += owEnd - ow0;
    ow0 = 0;
    oh += 1;
    if (oh == u.oH) {
      oh = 0;
      n += 1;
    }
  }

  // a_i[j] = dw[m_i, k_j], b_i[j] = dw[m2_i, k_j] (partials over this chunk)
  let accA = mat4x4f(a0, a1, a2, a3);
  let accB = mat4x4f(b0, b1, b2, b3);
  let base = s * u.M * u.K;
  for (var i = 0; i < i32(MT); i++) {
    if (ml0 + i >= u.Mg) { break; }
    let v = select(accA[i & 3], accB[i & 3], i >= 4);
    let row = base + (g * u.Mg + ml0 + i) * u.K;
    for (var j = 0; j < 4; j++) {
      let kj = kb * 4 + j;
      if (kj < u.K) { out[row + kj] = v[j]; }
    }
  }
}
