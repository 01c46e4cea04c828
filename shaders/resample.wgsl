// Separable resampling (Resize/Upsample, Tile, Gather): y[o] = Σ over the tensor product of every
// axis's taps of Π w · x[Σ idx·inStride]. Axis k's taps for output coordinate c start at table entry
// base[k] + c·taps[k]; taps[k] = 0 is the identity (index c, weight 1, no table). A first tap with
// index −1 marks an output outside the input (tf_crop_and_resize): y = extrap.
// Bindings: 0 x (read), 1 y (write), 2 table of (index, weight) pairs (read),
// 3 uniforms {n, rank, combos = Π max(taps, 1), outShape[8], inStride[8], taps[8], base[8], extrap}.
struct U {
  n: u32,
  rank: u32,
  combos: u32,
  pad0: u32,
  shape: array<vec4u, 2>,
  stride: array<vec4u, 2>,
  taps: array<vec4u, 2>,
  base: array<vec4u, 2>,
  extrap: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<vec2f>;
@group(0) @binding(3) var<uniform> u: U;

fn at(a: array<vec4u, 2>, k: u32) -> u32 {
  return a[k >> 2u][k & 3u];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= u.n) { return; }
  // first[k]: the input offset of an identity axis, or axis k's first table entry
  var first: array<u32, 8>;
  var rem = i;
  for (var k = u.rank; k > 0u; k--) {
    let d = k - 1u;
    let size = at(u.shape, d);
    let c = rem % size;
    rem = rem / size;
    let t = at(u.taps, d);
    if (t == 0u) {
      first[d] = c * at(u.stride, d);
    } else {
      first[d] = at(u.base, d) + c * t;
      if (table[first[d]].x < 0.0) {
        y[i] = u.extrap;
        return;
      }
    }
  }
  var acc = 0.0;
  for (var combo = 0u; combo < u.combos; combo++) {
    var r = combo;
    var src = 0u;
    var w = 1.0;
    for (var d = 0u; d < u.rank; d++) {
      let t = at(u.taps, d);
      if (t == 0u) {
        src += first[d];
      } else {
        let e = table[first[d] + r % t];
        r = r / t;
        src += u32(e.x) * at(u.stride, d);
        w *= e.y;
      }
    }
    acc += w * x[src];
  }
  y[i] = acc;
}
