// SQuant C stage and the codes (CPU twin: src/ref/squant.ts). One workgroup per output channel:
// Σe of the channel (exact fixed point), then the round(|Σe|) elements first in the stable
// descending order of their priority take their E-time number; the order is never sorted: the
// threshold priority is found by a bitwise binary search on counts, ties go by index (a prefix
// count over the threads' contiguous ranges). Every element then gets clamp(rn + z, qmin, qmax).
// Bindings (shaders/lib/squant-c.wgsl): 0 v, 1 zp, 2 rn (in round(v), out the codes), 3 err, 4 pri, 5 uniforms.
//!include squant-c

const WG = 64u;
var<workgroup> partHi: array<i32, WG>;
var<workgroup> part: array<u32, WG>;
var<workgroup> sumHi: i32;
var<workgroup> total: u32;

// Σ over the workgroup of each thread's x (uniform result).
fn workgroupSum(li: u32, x: u32) -> u32 {
  part[li] = x;
  workgroupBarrier();
  if (li == 0u) {
    var s = 0u;
    for (var t = 0u; t < WG; t++) { s += part[t]; }
    total = s;
  }
  return workgroupUniformLoad(&total);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let c = wid.y * nwg.x + wid.x;
  if (c >= u.channels) { return; }
  let z = zp[c];
  let base = c * u.n;
  let span = (u.n + WG - 1u) / WG;
  let start = base + min(li * span, u.n);
  let end = base + min(li * span + span, u.n);
  var up = false;
  var flips = false; // flip bits > threshold, and the first `ties` (by index) equal to it
  var threshold = 0u;
  var ties = 0u;
  var seen = 0u;
  if (u.doC != 0u) {
    let e = sqErrSum(start, end);
    partHi[li] = e.hi;
    workgroupBarrier();
    if (li == 0u) {
      var s = 0;
      for (var t = 0u; t < WG; t++) { s += partHi[t]; }
      sumHi = s;
    }
    let d = sqDecide(workgroupUniformLoad(&sumHi), workgroupSum(li, e.lo));
    up = d.up;
    if (d.topk > 0u) {
      // the largest t with #{bits ≥ t} ≥ topk: the topk-th largest priority (below 2: bits 30, 31 are 0)
      var t = 0u;
      for (var b = 30u; b > 0u; b--) {
        let cand = t | (1u << (b - 1u));
        var cnt = 0u;
        for (var i = start; i < end; i++) { cnt += select(0u, 1u, bitsOf(i, up) >= cand); }
        if (workgroupSum(li, cnt) >= d.topk) { t = cand; }
      }
      var gt = 0u;
      var eq = 0u;
      for (var i = start; i < end; i++) {
        let b = bitsOf(i, up);
        gt += select(0u, 1u, b > t);
        eq += select(0u, 1u, b == t);
      }
      ties = d.topk - workgroupSum(li, gt);
      part[li] = eq; // the last workgroupSum's barrier: thread 0 has read part[]
      workgroupBarrier();
      for (var k = 0u; k < li; k++) { seen += part[k]; } // ties before this thread's range
      threshold = t;
      flips = true;
    }
  }
  sqWriteCodes(start, end, z, up, flips, threshold, ties, seen);
}
