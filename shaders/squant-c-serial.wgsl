// SQuant C stage and the codes, one invocation per output channel (CPU adapters, where a workgroup is
// a loop over SIMD lanes and barriers are dear: the lanes take channels instead; squant-c.wgsl is
// the one-workgroup-per-channel variant for GPUs). Same result: Σe of the channel (exact fixed
// point), the topk-th largest priority found by a bitwise binary search on counts, ties by index,
// the round(|Σe|) first elements take their E-time number; then codes = clamp(rn + z, qmin, qmax).
// Bindings (shaders/lib/squant-c.wgsl): 0 v, 1 zp, 2 rn (in round(v), out the codes), 3 err, 4 pri, 5 uniforms.
//!include squant-c

fn channelStage(c: u32) {
  let z = zp[c];
  let start = c * u.n;
  let end = start + u.n;
  var up = false;
  var topk = 0u;
  var threshold = 0u;
  var ties = 0u;
  if (u.doC != 0u) {
    let e = sqErrSum(start, end);
    let d = sqDecide(e.hi, e.lo);
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
  sqWriteCodes(start, end, z, up, topk > 0u, threshold, ties, 0u);
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
