// SQuant C stage, shared by squant-c.wgsl (a workgroup per output channel, for GPUs) and
// squant-c-serial.wgsl (an invocation per channel, for CPU adapters): the bindings, the priority
// bits, Σe of a range in the fixed point of squant.wgsl, and the pass that flips and writes the codes.
// Bindings: 0 v (read f32), 1 zp (read i32 per channel), 2 rn (read_write i32: in round(v) after
// SQuant-K, out the codes), 3 err (read f32), 4 pri (read f32: > 0 up, < 0 down), 5 uniforms.
//!include squant
struct U { channels: u32, n: u32, doC: u32, _pad: u32, qmin: i32, qmax: i32 }

@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read> zp: array<i32>;
@group(0) @binding(2) var<storage, read_write> rn: array<i32>;
@group(0) @binding(3) var<storage, read> err: array<f32>;
@group(0) @binding(4) var<storage, read> pri: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

// Priority bits in the direction (non-negative float32: its bits order as its values).
fn bitsOf(i: u32, up: bool) -> u32 {
  let p = pri[i];
  return bitcast<u32>(select(select(0.0, -p, p < 0.0), select(0.0, p, p > 0.0), up));
}

// Σe over [start, end) as the separate sums of the hi and lo parts.
struct SqSum { hi: i32, lo: u32 }

fn sqErrSum(start: u32, end: u32) -> SqSum {
  var h = 0;
  var l = 0u;
  for (var i = start; i < end; i++) {
    h += sqFixedHi(err[i]);
    l += sqFixedLo(err[i]);
  }
  return SqSum(h, l);
}

// The codes of [start, end) in a channel of zero point z: clamp(rn + z, qmin, qmax), where with `flips`
// the elements of priority bits > threshold, and the first `ties` (by index) equal to it, first take
// their E-time step in the direction `up`; `seen` counts the ties before start.
fn sqWriteCodes(start: u32, end: u32, z: i32, up: bool, flips: bool, threshold: u32, ties: u32, seen0: u32) {
  let lo = f32(u.qmin - z);
  let hi = f32(u.qmax - z);
  var seen = seen0;
  for (var i = start; i < end; i++) {
    var r = rn[i];
    if (flips) {
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
