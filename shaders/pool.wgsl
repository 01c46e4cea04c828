// MaxPool / AveragePool over 1–3 spatial dims (as [D, H, W], unused ones 1), one thread per output.
// Bindings: 0 x (read), 1 y (write), 2 uniforms {n, countIncludePad, in, out, kernel, stride, dilation, padBegin, padEnd}.
// KIND (override): 0 max, 1 average.
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
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  let ow = i % u.outS.z;
  let oh = (i / u.outS.z) % u.outS.y;
  let od = (i / (u.outS.z * u.outS.y)) % u.outS.x;
  let nc = i / (u.outS.z * u.outS.y * u.outS.x);
  let start = vec3i(vec3u(od, oh, ow) * u.s.xyz) - u.pb.xyz;
  let plane = u.inS.x * u.inS.y * u.inS.z;
  let base = nc * plane;
  var acc = select(0.0, -0x1.fffffep+127f, KIND == 0u);
  for (var kd = 0u; kd < u.k.x; kd++) {
    let zd = start.x + i32(kd * u.dil.x);
    if (zd < 0 || zd >= i32(u.inS.x)) { continue; }
    for (var kh = 0u; kh < u.k.y; kh++) {
      let zh = start.y + i32(kh * u.dil.y);
      if (zh < 0 || zh >= i32(u.inS.y)) { continue; }
      let row = base + (u32(zd) * u.inS.y + u32(zh)) * u.inS.z;
      for (var kw = 0u; kw < u.k.z; kw++) {
        let zw = start.z + i32(kw * u.dil.z);
        if (zw < 0 || zw >= i32(u.inS.z)) { continue; }
        let v = x[row + u32(zw)];
        if (KIND == 0u) { acc = max(acc, v); } else { acc += v; }
      }
    }
  }
  if (KIND == 0u) {
    y[i] = acc;
    return;
  }
  let td = taps(start.x, u.k.x, u.dil.x, u.inS.x, u.pe.x);
  let th = taps(start.y, u.k.y, u.dil.y, u.inS.y, u.pe.y);
  let tw = taps(start.z, u.k.z, u.dil.z, u.inS.z, u.pe.z);
  let count = select(td.x * th.x * tw.x, td.y * th.y * tw.y, u.countIncludePad != 0u);
  y[i] = select(0.0, acc / f32(count), count > 0u);
}
