// SQuant E and K stages (CPU twin: src/ref/squant.ts). One invocation per kernel (output channel,
// input channel) of ksize elements of v = W/s: round to nearest (E); with K on, flip the round(|Σe|)
// candidates first in the stable descending order of |e| (rank counted, no sort), then keep one
// candidate priority per kernel for SQuant-C. With K off: E only, every candidate keeps its priority.
// Bindings: 0 v (read f32 [kernels·ksize]), 1 zp (read i32 per channel), 2 rn (write i32: round(v) after
// the flips), 3 err (write f32: e after the flips), 4 pri (write f32: > 0 up, < 0 down priority), 5 uniforms.
struct U { kernels: u32, ksize: u32, perChannel: u32, doK: u32, qmin: i32, qmax: i32 }

@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read> zp: array<i32>;
@group(0) @binding(2) var<storage, read_write> rn: array<i32>;
@group(0) @binding(3) var<storage, read_write> err: array<f32>;
@group(0) @binding(4) var<storage, read_write> pri: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

//!include squant

fn kernelStages(kid: u32) {
  let z = zp[kid / u.perChannel];
  let lo = f32(u.qmin - z);
  let hi = f32(u.qmax - z);
  let base = kid * u.ksize;
  let n = u.ksize;
  if (u.doK == 0u) {
    for (var i = 0u; i < n; i++) {
      let a = sqElem(v[base + i], lo, hi);
      rn[base + i] = a.r;
      err[base + i] = a.e;
      pri[base + i] = select(0.0, -a.e, a.up || a.down); // up: |e| = −e; down: −|e| = −e
    }
    return;
  }
  var sh = 0;
  var sl = 0u;
  for (var i = 0u; i < n; i++) {
    let e = sqElem(v[base + i], lo, hi).e;
    sh += sqFixedHi(e);
    sl += sqFixedLo(e);
  }
  let d = sqDecide(sh, sl);
  // the element whose priority SQuant-C sees: the last flipped (order[−1] when none) or the next one
  let keep = select(d.topk, select(n - 1u, d.topk - 1u, d.topk > 0u), d.over);
  let keepUp = d.up != d.over;
  for (var i = 0u; i < n; i++) {
    let a = sqElem(v[base + i], lo, hi);
    let p = sqPriority(a, d.up);
    var rank = 0u;
    for (var j = 0u; j < n; j++) {
      let q = sqPriority(sqElem(v[base + j], lo, hi), d.up);
      rank += select(0u, 1u, q > p || (q == p && j < i));
    }
    var r = a.r;
    var e = a.e;
    if (rank < d.topk) {
      if (d.up) {
        r += select(0, 1, a.up);
        e = select(0.0, a.e + 1.0, a.up);
      } else {
        r -= select(0, 1, a.down);
        e = select(0.0, a.e - 1.0, a.down);
      }
    }
    rn[base + i] = r;
    err[base + i] = e;
    pri[base + i] = select(0.0, select(-abs(e), abs(e), keepUp), rank == keep);
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // grid stride over kernels (the wrapper sizes the grid per adapter, src/gpu/elements.ts)
  let stride = nwg.x * nwg.y * 64u;
  for (var k = (wid.y * nwg.x + wid.x) * 64u + li; k < u.kernels; k += stride) {
    kernelStages(k);
  }
}
