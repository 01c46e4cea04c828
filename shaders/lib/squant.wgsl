// SQuant's element state and flip decision (CPU twin: src/ref/squant.ts), shared by squant-k.wgsl
// and the C stage (lib/squant-c.wgsl). Error sums are exact fixed point: e·2^32 = hi·2^16 + lo with
// hi = floor(e·2^16) (i32) and lo = round(frac·2^16) in [0, 2^16] (u32), summed separately.

struct SqElem {
  /** round(v), half to even (as torch.round). */
  r: i32,
  /** r − v, exact in float32. */
  e: f32,
  /** rounded down and below the top of the grid: may move up one step. */
  up: bool,
  /** rounded up and above the bottom of the grid: may move down one step. */
  down: bool,
}

// v = W/s; lo, hi = qmin − z, qmax − z: the grid in units of v.
fn sqElem(v: f32, lo: f32, hi: f32) -> SqElem {
  let r = round(v);
  let e = r - v;
  return SqElem(i32(r), e, (e < 0.0) && (v < hi), (e > 0.0) && (v > lo));
}

// E-time priority in a direction: |e| for a candidate, 0 otherwise.
fn sqPriority(a: SqElem, up: bool) -> f32 {
  if (up) { return select(0.0, -a.e, a.up); }
  return select(0.0, a.e, a.down);
}

fn sqFixedHi(e: f32) -> i32 {
  return i32(floor(e * 65536.0));
}

fn sqFixedLo(e: f32) -> u32 {
  let t = e * 65536.0;
  return u32(round((t - floor(t)) * 65536.0));
}

struct SqDecision {
  /** Σe < 0: flip up-candidates; otherwise down-candidates. */
  up: bool,
  /** round(|Σe|), half to even. */
  topk: u32,
  /** topk ≥ |Σe|. */
  over: bool,
}

// From the separate sums of hi (i32) and lo (u32) parts.
fn sqDecide(sumHi: i32, sumLo: u32) -> SqDecision {
  let h = sumHi + i32(sumLo >> 16u);
  let l = sumLo & 0xffffu;
  let neg = h < 0;
  // |Σe|·2^32 = ah·2^16 + al
  let ah = u32(select(h, -h - select(0, 1, l != 0u), neg));
  let al = select(l, (65536u - l) & 0xffffu, neg);
  let k = ah >> 16u;
  let fh = ah & 0xffffu;
  var topk = k;
  if (fh > 0x8000u || (fh == 0x8000u && al > 0u)) {
    topk = k + 1u;
  } else if (fh == 0x8000u && al == 0u) {
    topk = k + (k & 1u); // a tie: to even
  }
  return SqDecision(neg, topk, topk > k || (fh == 0u && al == 0u));
}
