// Float64 CPU reference of SQuant's rounding (Guo et al. ICLR 2022; the official `adaptive_round`
// of clevercool/SQuant quant_modules.py with its `round_func`), on v = W/s viewed as [channels, kernels, ksize].
//
// E: rn = round(v) (half to even, as torch.round), e = rn − v. Up-candidates: e < 0 and v < qmax − z;
//    down-candidates: e > 0 and v > qmin − z; priority |e|, 0 for non-candidates.
// K (skipped when ksize = 1): per kernel S = Σe; up when S < 0, else down; the round(|S|) elements
//    first in the direction's priority order are set to their E-time number and error (a candidate
//    moves one step, a non-candidate keeps its number and gets error 0, as the official arrays say);
//    then every priority is cleared but one per kernel: if round(|S|) ≥ |S| ("over") the last
//    flipped element (order[−1] when none was) gets |e| in the opposite direction, else the next
//    unflipped element gets |e| in the same direction.
// C: the same flip per output channel over those priorities (over all E-time candidates when K was
//    skipped); the numbers set are again the E-time ones. Codes = clamp(rn + z, qmin, qmax).
//
// Rounding happens on v = W/s with z added after, as QuantizeLinear does (the official code rounds
// W/s − z'; the two differ only on an exact .5 tie with an odd zero point).
// Defined where the official code leaves it open: the priority order is a stable descending sort
// (ties by element index, torch.sort's order is unspecified), and Σe is taken exactly on the 2^-32
// grid (each e rounded to it, half to even): float32 sums in torch's order would decide |S| within
// ~1e-6 of a threshold by summation order; an exact sum is the same on every device. Errors after
// a flip are float32 (e ± 1 rounded to float32, as torch stores them).

import type { SquantGrid, SquantShape, SquantStages } from '../gpu/kernels/squant';

const TWO16 = 65536;
const TWO32 = 2 ** 32;

export function roundHalfEvenRef(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** e·2^32 rounded half to even, split as the GPU splits it: floor(e·2^16)·2^16 + round(frac·2^16). */
export function fixedError(e: number): number {
  const t = e * TWO16;
  const hi = Math.floor(t);
  return hi * TWO16 + roundHalfEvenRef((t - hi) * TWO16);
}

/** From N = S·2^32: direction (S < 0: up), topk = round(|S|) half to even, over = topk ≥ |S|. */
export function squantDecide(n: number): { up: boolean; topk: number; over: boolean } {
  const a = Math.abs(n);
  const k = Math.floor(a / TWO32);
  const f = a - k * TWO32;
  const topk = f > TWO32 / 2 ? k + 1 : f < TWO32 / 2 ? k : k + (k % 2);
  return { up: n < 0, topk, over: topk * TWO32 >= a };
}

/** Indices sorted by priority, descending, ties by index. */
function order(p: Float64Array, idx: number[]): number[] {
  return [...idx].sort((a, b) => p[b] - p[a] || a - b);
}

interface Elements {
  rn: Float64Array;
  e: Float64Array;
  /** E-time number and error. */
  rn0: Float64Array;
  e0: Float64Array;
  up: Uint8Array;
  down: Uint8Array;
  upPri: Float64Array;
  downPri: Float64Array;
}

/** One flip stage over groups of element indices (kernels for K, channels for C). */
function flipGroup(x: Elements, idx: number[], keepCandidate: boolean, nextUp?: Float64Array, nextDown?: Float64Array): void {
  let n = 0;
  for (const i of idx) n += fixedError(x.e[i]);
  const d = squantDecide(n);
  const ord = order(d.up ? x.upPri : x.downPri, idx);
  for (let r = 0; r < d.topk && r < ord.length; r++) {
    const i = ord[r];
    const cand = d.up ? x.up[i] : x.down[i];
    const step = d.up ? 1 : -1;
    x.rn[i] = x.rn0[i] + (cand ? step : 0);
    x.e[i] = cand ? Math.fround(x.e0[i] + step) : 0;
  }
  if (!keepCandidate || !nextUp || !nextDown) return;
  if (d.over) {
    const i = ord[d.topk > 0 ? d.topk - 1 : ord.length - 1];
    (d.up ? nextDown : nextUp)[i] = Math.abs(x.e[i]);
  } else if (d.topk < ord.length) {
    const i = ord[d.topk];
    (d.up ? nextUp : nextDown)[i] = Math.abs(x.e[i]);
  }
}

/** SQuant codes (int, clamped to [qmin, qmax]) of v laid out as [channels, kernels, ksize]. */
export function squantRef(v: ArrayLike<number>, shape: SquantShape, grid: SquantGrid, stages: SquantStages = {}): Int32Array {
  const { channels, kernels, ksize } = shape;
  const per = kernels * ksize;
  const total = channels * per;
  if (v.length !== total) throw new Error(`squantRef: ${v.length} values for [${channels}, ${kernels}, ${ksize}]`);
  const zOf = (c: number) => grid.zeroPoints[grid.zeroPoints.length === 1 ? 0 : c];
  const x: Elements = {
    rn: new Float64Array(total), e: new Float64Array(total), rn0: new Float64Array(total), e0: new Float64Array(total),
    up: new Uint8Array(total), down: new Uint8Array(total), upPri: new Float64Array(total), downPri: new Float64Array(total),
  };
  const e0 = x.e0;
  for (let i = 0; i < total; i++) {
    const z = zOf(Math.floor(i / per));
    const vi = v[i];
    const r = roundHalfEvenRef(vi);
    e0[i] = x.e[i] = r - vi;
    x.rn[i] = x.rn0[i] = r;
    x.up[i] = e0[i] < 0 && vi < grid.qmax - z ? 1 : 0;
    x.down[i] = e0[i] > 0 && vi > grid.qmin - z ? 1 : 0;
    x.upPri[i] = x.up[i] ? -e0[i] : 0;
    x.downPri[i] = x.down[i] ? e0[i] : 0;
  }
  const range = (start: number, n: number) => Array.from({ length: n }, (_, j) => start + j);
  if ((stages.k ?? true) && ksize > 1) {
    const nextUp = new Float64Array(total);
    const nextDown = new Float64Array(total);
    for (let k = 0; k < channels * kernels; k++) flipGroup(x, range(k * ksize, ksize), true, nextUp, nextDown);
    x.upPri = nextUp;
    x.downPri = nextDown;
  }
  if (stages.c ?? true) for (let c = 0; c < channels; c++) flipGroup(x, range(c * per, per), false);
  const codes = new Int32Array(total);
  for (let i = 0; i < total; i++) codes[i] = Math.min(Math.max(x.rn[i] + zOf(Math.floor(i / per)), grid.qmin), grid.qmax);
  return codes;
}
