// SQuant C stage and the codes, one invocation per output channel (CPU adapters, where a workgroup is
// a loop over SIMD lanes and barriers are dear: the lanes take channels instead; squant-c.wgsl is
// the one-workgroup-per-channel variant for GPUs). Same result: Σe of the channel (exact fixed
// point), the topk-th largest priority found by a bitwise binary search on counts, ties by index,
// the round(|Σe|) first elements take their E-time number; then codes = clamp(rn + z, qmin, qmax).
// Bindings: 0 v (read f32), 1 zp (read i32 per channel), 2 rn (read_write i32: in round(v) after
// SQuant-K, out the codes), 3 err (read f32), 4 pri (read f32: > 0 up, < 0 down), 5 uniforms.
struct U { channels: u32, n: u32, doC: u32, _pad: u32, qmin: i32, qmax: i32 }

@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read> zp: array<i32>;
@group(0) @binding(2) var<storage, read_write> rn: array<i32>;
@group(0) @binding(3) var<storage, read> err: array<f32>;
@group(0) @binding(4) var<storage, read> pri: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

//!include squant

// Priority bits in the direction (non-negative float32: its bits order as its values).
fn bitsOf(i: u32, up: bool) -> u32 {
  let p = pri[i];
  return bitcast<u32>(select(select(0.0, -p, p < 0.0), select(0.0, p, p > 0.0), up));
}

fn channelStage(c: u32) {
  let z = zp[c];
  let lo = f32(u.qmin - z);
  let hi = f32(u.qmax - z);
  let start = c * u.n;
  let end = start + u.n;
  var up = false;
  var topk = 0u;
  var threshold = 0u;
  var ties = 0u;
  if (u.doC != 0u) {
    var h = 0;
    var l = 0u;
    for (var i = start; i < end; i++) {
      h += sqFixedHi(err[i]);
      l += sqFixedLo(err[i]);
    }
    let d = sqDecide(h, l);
    up = d.up;
    topk = d.topk;
  }
  if (topk > 0u) {
    // the largest t with #{bits ≥ t} ≥ topk (priorities are below 2: bit 30 and up are 0)
    for (var b = 30u; b > 0u; b--) {
      let cand = threshold | (1u << (b - 1u));
      var cnt = 0u;
      for (var i = start; i < end; i++) { cnt += select(0u, 1u, bitsOf(i, up) >= cand); }
      if (cnt >= topk) { threshold = cand; }
    }
    var gt = 0u;
    for (var i = start; i < end; i++) { gt += select(0u, 1u, bitsOf(i, up) > threshold); }
    ties = topk - gt;
  }
  var seen = 0u;
  for (var i = start; i < end; i++) {
    var r = rn[i];
    if (topk > 0u) {
      let b = bitsOf(i, up);
      var flip = b > threshold;
      if (b == threshold) {
        flip = seen < ties;
        seen++;
      }
      if (flip) {
        let a = sqElem(v[i], lo, hi);
        r = a.r + select(-select(0, 1, a.down), select(0, 1, a.up), up);
      }
    }
    rn[i] = clamp(r + z, u.qmin, u.qmax);
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  // grid stride over channels (the wrapper sizes the grid per adapter, src/gpu/elements.ts)
  let stride = nwg.x * nwg.y * 64u;
  for (var c = (wid.y * nwg.x + wid.x) * 64u + li; c < u.channels; c += stride) {
    channelStage(c);
  }
}
