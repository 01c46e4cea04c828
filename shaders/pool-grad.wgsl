// Backward of MaxPool / AveragePool (shaders/pool.wgsl) over 1–3 spatial dims (as [D, H, W], unused
// ones 1), as a gather: one thread per dx element sums dy over the windows that contain it (no
// atomics). Max: a window's gradient goes to its first largest in-bounds tap in (kd, kh, kw) order
// (the forward's tie rule, and PyTorch's); average: dy / count with the forward's count.
// Bindings: 0 x (forward input, read), 1 dy (read), 2 dx (write), 3 uniforms {n = numel(x),
// countIncludePad, in, out, kernel, stride, dilation, padBegin, padEnd}. KIND (override): 0 max, 1 average.
override KIND: u32 = 0u;

struct U {
  n: u32,
  countIncludePad: u32,
  pad0: u32,
  pad1: u32,
  inS: vec4u,
  outS: vec4u,
  k: vec4u,
  s: vec4u,
  dil: vec4u,
  pb: vec4i,
  pe: vec4i,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

const NONE = 0xffffffffu;

/** How many of the k window taps from `start` land in [0, size), and in [−padBegin, size + padEnd). */
fn taps(start: i32, k: u32, dil: u32, size: u32, padEnd: i32) -> vec2u {
  var inside = 0u;
  var padded = 0u;
  for (var t = 0u; t < k; t++) {
    let q = start + i32(t * dil);
    inside += select(0u, 1u, q >= 0 && q < i32(size));
    padded += select(0u, 1u, q < i32(size) + padEnd);
  }
  return vec2u(inside, padded);
}

/** Offset in the (n, c) plane of the first largest in-bounds tap of window o (NONE if all padding). */
fn argmax(base: u32, start: vec3i) -> u32 {
  var best = 0.0;
  var arg = NONE;
  for (var kd = 0u; kd < u.k.x; kd++) {
    let zd = start.x + i32(kd * u.dil.x);
    if (zd < 0 || zd >= i32(u.inS.x)) { continue; }
    for (var kh = 0u; kh < u.k.y; kh++) {
      let zh = start.y + i32(kh * u.dil.y);
      if (zh < 0 || zh >= i32(u.inS.y)) { continue; }
      let row = (u32(zd) * u.inS.y + u32(zh)) * u.inS.z;
      for (var kw = 0u; kw < u.k.z; kw++) {
        let zw = start.z + i32(kw * u.dil.z);
        if (zw < 0 || zw >= i32(u.inS.z)) { continue; }
        let v = x[base + row + u32(zw)];
        if (arg == NONE || v > best) {
          best = v;
          arg = row + u32(zw);
        }
      }
    }
  }
  return arg;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  let plane = u.inS.x * u.inS.y * u.inS.z;
  let outPlane = u.outS.x * u.outS.y * u.outS.z;
  let nc = i / plane;
  let off = i - nc * plane;
  let z = vec3i(vec3u(off / (u.inS.y * u.inS.z), (off / u.inS.z) % u.inS.y, off % u.inS.z));
  var acc = 0.0;
  // Window o holds z at tap k when o·s − padBegin + k·dil = z; t = o·s falls as k grows.
  for (var kd = 0u; kd < u.k.x; kd++) {
    let td = z.x + u.pb.x - i32(kd * u.dil.x);
    if (td < 0) { break; }
    if (u32(td) % u.s.x != 0u) { continue; }
    let od = u32(td) / u.s.x;
    if (od >= u.outS.x) { continue; }
    for (var kh = 0u; kh < u.k.y; kh++) {
      let th = z.y + u.pb.y - i32(kh * u.dil.y);
      if (th < 0) { break; }
      if (u32(th) % u.s.y != 0u) { continue; }
      let oh = u32(th) / u.s.y;
      if (oh >= u.outS.y) { continue; }
      for (var kw = 0u; kw < u.k.z; kw++) {
        let tw = z.z + u.pb.z - i32(kw * u.dil.z);
        if (tw < 0) { break; }
        if (u32(tw) % u.s.z != 0u) { continue; }
        let ow = u32(tw) / u.s.z;
        if (ow >= u.outS.z) { continue; }
        let g = dy[nc * outPlane + (od * u.outS.y + oh) * u.outS.z + ow];
        let start = vec3i(vec3u(od, oh, ow) * u.s.xyz) - u.pb.xyz;
        if (KIND == 0u) {
          if (argmax(nc * plane, start) == off) { acc += g; }
        } else {
          let cd = taps(start.x, u.k.x, u.dil.x, u.inS.x, u.pe.x);
          let ch = taps(start.y, u.k.y, u.dil.y, u.inS.y, u.pe.y);
          let cw = taps(start.z, u.k.z, u.dil.z, u.inS.z, u.pe.z);
          let count = select(cd.x * ch.x * cw.x, cd.y * ch.y * cw.y, u.countIncludePad != 0u);
          acc += g / f32(count);
        }
      }
    }
  }
  dx[i] = acc;
}
