// The MSE observer's search (DESIGN.md §2) from one pass over the data. For a candidate (s, z)
// on the grid [qmin, qmax], let lo = (qmin − z)·s and hi = (qmax − z)·s (lattice points of s·ℤ):
// every x < lo is clamped to lo, every x > hi to hi, and x in between rounds to its lattice point, so
//   Σ|x − Q(x)|^p = F⁻(lo) + F⁺(hi) + Ψ_s(hi) − Ψ_s(lo),
// F⁻(t) = Σ_{x<t} (t − x)^p, F⁺(t) = Σ_{x>t} (x − t)^p, Ψ_s(k·s) = Σ_{x≤k·s} |x − round(x/s)·s|^p.
// The data are weighted points (a row's values, or the bins of a histogram): the GPU computes Ψ at
// every lattice point of the 100 scales (mse-lattice.wgsl) and F± with their slopes at query points
// (mse-tails.wgsl). 1-D rows (100 candidates) query F± at their own lo/hi; 2-D rows (100 × every
// zero point) at 256 nodes per side, interpolated (cubic Hermite). So each candidate costs O(1) and
// the 8-bit search no more than the 4-bit one. The 8 best then get their exact score (float64, on
// the exact data when given) and the first smallest wins, as QDrop picks.
import type { Gpu } from '../../gpu/gpu';
import { destroyPoints, LP_NORM, mseLattice, uploadPoints } from '../../gpu/kernels/mse-lattice';
import { mseTails } from '../../gpu/kernels/mse-tails';
import { roundHalfEven, type QRange } from '../../ref/round';
import { EPS, mseCandidateRange, mseGrid, MSE_STEPS, qparams, type MseGrid } from './qparams';
import type { ObservedRange } from './row-observer';

export interface MseRow {
  /** The row's observed range (zeros included). */
  min: number;
  max: number;
  /** The nonzero points sorted ascending (zeros never add error), with multiplicities (absent: 1). */
  xs: Float32Array;
  ns?: Float32Array;
  /** The data to rescore the shortlist on when the points only approximate it (a histogram of a long row). */
  exact?: ArrayLike<number>;
}

/** Interpolation nodes per side of a 2-D row. */
export const MSE_NODES = 256;
const QUERIES = 2 * MSE_NODES;
/** Candidates rescored exactly. */
export const MSE_SHORTLIST = 8;
/** Floats of the lattice table per GPU block of rows. */
const MAX_TABLE = 1 << 22;

/** The chosen candidate of every row (DESIGN.md §2's search, scores as above). */
export async function mseSearch(gpu: Gpu, rows: MseRow[], range: QRange, label = 'mse'): Promise<ObservedRange[]> {
  const width = 2 * (range.qmax - range.qmin) + 1;
  const block = Math.max(1, Math.floor(MAX_TABLE / (MSE_STEPS * width)));
  const out: ObservedRange[] = [];
  for (let r0 = 0; r0 < rows.length; r0 += block) out.push(...(await searchBlock(gpu, rows.slice(r0, r0 + block), range, label)));
  return out;
}

interface Prep {
  grid: MseGrid;
  /** The scale of each step (for 2-D, that of its first zero point). */
  scales: Float32Array;
  /** (t, side) pairs: 1-D the candidates' lo then hi, 2-D the nodes below 0 then above. */
  queries: Float32Array;
}

function prepare(row: MseRow, range: QRange): Prep {
  const grid = mseGrid(row.min, row.max, range);
  const scales = new Float32Array(MSE_STEPS);
  const queries = new Float32Array(2 * QUERIES);
  // unused (1-D) queries ask for F⁻(−∞): their thread stops at the first point
  for (let j = 2 * MSE_STEPS; j < QUERIES; j++) queries[2 * j] = -Infinity;
  if (grid.twoD) {
    const a = Math.min(row.min, row.xs[0] ?? 0);
    const b = Math.max(row.max, row.xs[row.xs.length - 1] ?? 0);
    for (let j = 0; j < MSE_NODES; j++) {
      queries[2 * j] = a - (a * j) / (MSE_NODES - 1);
      queries[2 * (MSE_NODES + j)] = (b * j) / (MSE_NODES - 1);
      queries[2 * (MSE_NODES + j) + 1] = 1;
    }
  }
  for (let i = 1; i <= MSE_STEPS; i++) {
    const { scale, zeroPoint } = qparams(...mseCandidateRange(row.min, row.max, range, i), range);
    scales[i - 1] = scale;
    if (grid.twoD) continue;
    queries[2 * (i - 1)] = (range.qmin - zeroPoint) * scale;
    queries[2 * (MSE_STEPS + i - 1)] = (range.qmax - zeroPoint) * scale;
    queries[2 * (MSE_STEPS + i - 1) + 1] = 1;
  }
  return { grid, scales, queries };
}

async function searchBlock(gpu: Gpu, rows: MseRow[], range: QRange, label: string): Promise<ObservedRange[]> {
  const width = 2 * (range.qmax - range.qmin) + 1;
  const preps = rows.map((r) => prepare(r, range));
  const pts = uploadPoints(gpu, `${label}.mse`, rows);
  const owned: GPUBuffer[] = [];
  const buffer = (name: string, bytes: number) => {
    const b = gpu.buffer(`${label}.mse.${name}`, bytes);
    owned.push(b);
    return b;
  };
  let table: Float32Array;
  let tails: Float32Array;
  try {
    const upload = (name: string, parts: Float32Array[]) => {
      const b = buffer(name, parts.length * parts[0].byteLength);
      parts.forEach((p, i) => gpu.write(b, p, i * p.byteLength));
      return b;
    };
    const scales = upload('scales', preps.map((p) => p.scales));
    const queries = upload('queries', preps.map((p) => p.queries));
    const psi = buffer('lattice', rows.length * MSE_STEPS * width * 4);
    const f = buffer('tails', rows.length * QUERIES * 8);
    await gpu.run([
      mseLattice(gpu, pts, scales, MSE_STEPS, width >> 1, psi, `${label}.mse-lattice`, owned),
      mseTails(gpu, pts, queries, QUERIES, f, `${label}.mse-tails`, owned),
    ]);
    table = await gpu.read(psi, rows.length * MSE_STEPS * width);
    tails = await gpu.read(f, rows.length * QUERIES * 2);
  } finally {
    destroyPoints(pts);
    for (const b of owned) b.destroy();
  }
  return rows.map((row, r) =>
    pick(row, preps[r], range, table.subarray(r * MSE_STEPS * width, (r + 1) * MSE_STEPS * width), tails.subarray(r * QUERIES * 2, (r + 1) * QUERIES * 2)),
  );
}

/**
 * F at t_k = t0 + k·dt, k < count, from (t, F, F′) at the nodes [node0, node0 + MSE_NODES) by cubic
 * Hermite interpolation; constant beyond the end nodes (where F is 0, or exact at t = 0).
 */
function hermiteSweep(q: Float32Array, f: Float32Array, node0: number, t0: number, dt: number, count: number, out: Float64Array): void {
  const last = MSE_NODES - 1;
  const first = q[2 * node0];
  const end = q[2 * (node0 + last)];
  const per = last / (end - first);
  for (let k = 0, j = 0, a = 0, h = -1, fa = 0, da = 0, fb = 0, db = 0; k < count; k++) {
    const t = t0 + k * dt;
    if (t <= first) out[k] = f[2 * node0];
    else if (t >= end) out[k] = f[2 * (node0 + last)];
    else {
      if (!(a <= t && t <= a + h)) {
        j = Math.min(last - 1, Math.max(0, Math.floor((t - first) * per)));
        while (j > 0 && q[2 * (node0 + j)] > t) j--;
        while (j < last - 1 && q[2 * (node0 + j + 1)] < t) j++;
        const n = 2 * (node0 + j);
        [a, h] = [q[n], q[n + 2] - q[n]];
        [fa, da, fb, db] = [f[n], f[n + 1] * h, f[n + 2], f[n + 3] * h];
      }
      const u = h > 0 ? (t - a) / h : 0;
      const v = 1 - u;
      // Hermite basis: h00 = (1 + 2u)v², h10 = u·v², h01 = (3 − 2u)u², h11 = −u²·v
      out[k] = v * v * ((1 + 2 * u) * fa + u * da) + u * u * ((3 - 2 * u) * fb - v * db);
    }
  }
}

/** Σ n·|x − Q(x)|^2.4 in float64 (round half to even), as the reference scores a candidate. */
function exactScore(xs: ArrayLike<number>, ns: ArrayLike<number> | undefined, s: number, z: number, range: QRange): number {
  let acc = 0;
  for (let j = 0; j < xs.length; j++) {
    const v = xs[j];
    const q = Math.min(Math.max(roundHalfEven(v / s) + z, range.qmin), range.qmax);
    const e = Math.abs(v - (q - z) * s);
    if (e > 0) acc += (ns ? ns[j] : 1) * e ** LP_NORM;
  }
  return acc;
}

/** The node value at or below t (below side: F⁻ grows with t) or at or above it (above side: F⁺ shrinks): a bound on F(t). */
function nodeBound(q: Float32Array, f: Float32Array, node0: number, t: number, up: boolean): number {
  const last = MSE_NODES - 1;
  const [first, end] = [q[2 * node0], q[2 * (node0 + last)]];
  if (t <= first) return f[2 * node0];
  if (t >= end) return f[2 * (node0 + last)];
  let j = Math.min(last, Math.max(0, Math.floor(((t - first) / (end - first)) * last)));
  while (j > 0 && q[2 * (node0 + j)] > t) j--;
  while (j < last && q[2 * (node0 + j + 1)] <= t) j++;
  if (up && q[2 * (node0 + j)] < t) j++;
  return f[2 * (node0 + j)];
}

/** Zero points per block of the 2-D search that one bound can skip. */
const BLOCK = 16;

/**
 * Approximate scores of every candidate (step i's scale s_i and zero point z: F⁻((qmin − z)·s_i) +
 * F⁺((qmax − z)·s_i) + Ψ differences), the best MSE_SHORTLIST rescored exactly with their own
 * scale and zero point (qparams of their range); the first smallest wins, as QDrop's search keeps it.
 * 2-D blocks of zero points whose bound (the least Ψ difference, F⁻ and F⁺ at the block's ends, node
 * values, since F⁻ grows and F⁺ shrinks with t) cannot reach the shortlist are not interpolated.
 */
function pick(row: MseRow, prep: Prep, range: QRange, table: Float32Array, tails: Float32Array): ObservedRange {
  const { qmin, qmax } = range;
  const levels = qmax - qmin;
  const width = 2 * levels + 1;
  const { perStep, twoD } = prep.grid;
  const below = new Float64Array(perStep);
  const above = new Float64Array(perStep);
  const best: { score: number; k: number; scale: number; zp: number }[] = [];
  const worst = () => (best.length < MSE_SHORTLIST ? Infinity : best[best.length - 1].score);
  const before = (a: { score: number; k: number }, b: { score: number; k: number }) => a.score < b.score || (a.score === b.score && a.k < b.k);
  // candidate k with scale and zero point (several steps may share one clamped pair: the first k stands for it)
  const offer = (score: number, k: number, scale: number, zp: number) => {
    if (Number.isNaN(score)) score = Infinity;
    const same = best.find((b) => b.scale === scale && b.zp === zp);
    if (same) {
      same.k = Math.min(same.k, k);
      best.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
      return;
    }
    const c = { score, k, scale, zp };
    if (best.length === MSE_SHORTLIST && !before(c, best[best.length - 1])) return;
    let at = best.length;
    while (at > 0 && before(c, best[at - 1])) at--;
    best.splice(at, 0, c);
    if (best.length > MSE_SHORTLIST) best.pop();
  };
  // the widest ranges first: at 8 bits they usually win, so the bound prunes the rest early
  for (let i = MSE_STEPS; i >= 1; i--) {
    const s = prep.scales[i - 1];
    const base = (i - 1) * width + levels;
    if (!twoD) {
      const { zeroPoint: zp } = qparams(...mseCandidateRange(row.min, row.max, range, i), range);
      offer(table[base + qmax - zp] - table[base + qmin - zp] + tails[2 * (i - 1)] + tails[2 * (MSE_STEPS + i - 1)], i - 1, s, zp);
      continue;
    }
    if (s <= EPS) {
      // a range too narrow for the grid: the scale is clamped to EPS and zero points follow from it
      for (let z = 0; z < perStep; z++) {
        const { scale, zeroPoint: zp } = qparams(...mseCandidateRange(row.min, row.max, range, i, qmin + z), range);
        hermiteSweep(prep.queries, tails, 0, (qmin - zp) * scale, 0, 1, below);
        hermiteSweep(prep.queries, tails, MSE_NODES, (qmax - zp) * scale, 0, 1, above);
        offer(table[base + qmax - zp] - table[base + qmin - zp] + below[0] + above[0], (i - 1) * perStep + z, scale, zp);
      }
      continue;
    }
    // zero point z + qmin (qparams gives exactly that when the scale is not clamped): lo = −z·s, hi = (levels − z)·s
    for (let z0 = 0; z0 < perStep; z0 += BLOCK) {
      const n = Math.min(BLOCK, perStep - z0);
      const inner = (z: number) => table[base + levels - z] - table[base - z];
      let least = Infinity;
      for (let z = z0; z < z0 + n; z++) least = Math.min(least, inner(z));
      const bound = least + nodeBound(prep.queries, tails, 0, -(z0 + n - 1) * s, false) + nodeBound(prep.queries, tails, MSE_NODES, (levels - z0) * s, true);
      if (bound > worst()) continue;
      hermiteSweep(prep.queries, tails, 0, -z0 * s, -s, n, below);
      hermiteSweep(prep.queries, tails, MSE_NODES, (levels - z0) * s, -s, n, above);
      for (let z = 0; z < n; z++) offer(inner(z0 + z) + below[z] + above[z], (i - 1) * perStep + z0 + z, s, qmin + z0 + z);
    }
  }
  let chosen: ObservedRange | undefined;
  let [chosenScore, chosenK] = [Infinity, Infinity];
  for (const { k } of best) {
    const [lo, hi] = mseCandidateRange(row.min, row.max, range, Math.floor(k / perStep) + 1, qmin + (k % perStep));
    const { scale, zeroPoint } = qparams(lo, hi, range);
    const s = row.exact ? exactScore(row.exact, undefined, scale, zeroPoint, range) : exactScore(row.xs, row.ns, scale, zeroPoint, range);
    if (!chosen || s < chosenScore || (s === chosenScore && k < chosenK)) [chosen, chosenScore, chosenK] = [{ scale, zeroPoint, min: lo, max: hi }, s, k];
  }
  return chosen!;
}
