// Loss and flatness curves of reconstruction runs, kept bounded: a block's loss curve averages
// `stride` consecutive iterations per point and doubles the stride (merging pairs) whenever it
// would pass MAX_CURVE_POINTS, so a 20000-iteration block still plots a few hundred points.
import type { LossPoint } from '../recon/reconstruct';

export const MAX_CURVE_POINTS = 500;

export interface LossCurve {
  /** Complete buckets of `stride` iterations each (iteration, rec and reg averaged). */
  points: LossPoint[];
  stride: number;
  /** The bucket being filled (sums), shown as its mean until it completes. */
  pending: { iter: number; rec: number; reg: number; n: number } | null;
  /** Raw points received. */
  raw: number;
}

export interface FlatnessCurve {
  alphas: number[];
  losses: number[];
}

export const emptyCurve = (): LossCurve => ({ points: [], stride: 1, pending: null, raw: 0 });

const meanOf = (p: { iter: number; rec: number; reg: number; n: number }): LossPoint => ({ iter: p.iter / p.n, rec: p.rec / p.n, reg: p.reg / p.n });

/** Merge neighbouring pairs of points: half as many, twice the stride. */
function halve(points: LossPoint[]): LossPoint[] {
  const out: LossPoint[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const a = points[i];
    const b = points[i + 1];
    out.push({ iter: (a.iter + b.iter) / 2, rec: (a.rec + b.rec) / 2, reg: (a.reg + b.reg) / 2 });
  }
  return out;
}

/** The curve with these raw points added (a new object; the old one is left as it was). */
export function appendLoss(curve: LossCurve | undefined, pts: LossPoint[], max = MAX_CURVE_POINTS): LossCurve {
  const c = curve ?? emptyCurve();
  let points = c.points.slice();
  let stride = c.stride;
  let pending = c.pending ? { ...c.pending } : null;
  for (const p of pts) {
    pending = pending ? { iter: pending.iter + p.iter, rec: pending.rec + p.rec, reg: pending.reg + p.reg, n: pending.n + 1 } : { iter: p.iter, rec: p.rec, reg: p.reg, n: 1 };
    if (pending.n < stride) continue;
    points.push(meanOf(pending));
    pending = null;
    if (points.length > max) {
      // an odd last point waits as the first half of the next, twice as wide, bucket
      const odd = points.length % 2 ? points[points.length - 1] : null;
      points = halve(points);
      pending = odd ? { iter: odd.iter * stride, rec: odd.rec * stride, reg: odd.reg * stride, n: stride } : null;
      stride *= 2;
    }
  }
  return { points, stride, pending, raw: c.raw + pts.length };
}

/** What a chart plots: the complete buckets and the one being filled. */
export function curvePoints(c: LossCurve | undefined): LossPoint[] {
  if (!c) return [];
  return c.pending ? [...c.points, meanOf(c.pending)] : c.points;
}

/** A run's loss as one line: the blocks one after the other on a common iteration axis. */
export function runLossLine(curves: Record<number, LossCurve>, itersPerBlock: number): LossPoint[] {
  return Object.keys(curves)
    .map(Number)
    .sort((a, b) => a - b)
    .flatMap((b) => curvePoints(curves[b]).map((p) => ({ ...p, iter: b * itersPerBlock + p.iter })));
}

/** The mean flatness curve over the blocks (they share the α grid); null without any. */
export function meanFlatness(curves: Record<number, FlatnessCurve>): FlatnessCurve | null {
  const list = Object.values(curves).filter((c) => c.alphas.length);
  if (!list.length) return null;
  const alphas = list[0].alphas;
  const same = list.filter((c) => c.alphas.length === alphas.length);
  const losses = alphas.map((_, i) => same.reduce((a, c) => a + c.losses[i], 0) / same.length);
  return { alphas, losses };
}
