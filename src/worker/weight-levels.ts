// One output channel of a calibrated layer, for the page's level plot: its float weights as a
// histogram, the uniform grid (q − z)·s and the APoT grid ±L·α/M at the layer's bits, each grid
// the one calibration picks (the grid not in use is computed on demand with the same settings).
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import { tensorFloat32 } from '../onnx/dtype';
import { quantizeLayer } from '../quant/calibrate';
import { apotWeightBits } from '../quant/apot-weights';
import { layerName, place } from '../quant/placement';
import { sqnrDb } from '../quant/report';
import type { QuantConfig, QuantState, WeightQuant } from '../quant/types';
import type { WeightLevelsView } from './data-free-api';

/** The elements of channel c along `axis` of a tensor with these dims, in storage order. */
export function pickChannel(x: ArrayLike<number>, dims: number[], axis: number, c: number): Float32Array {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis];
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Math.floor(i / inner) % n === c) out.push(x[i]);
  return Float32Array.from(out);
}

/** Channel c's scale and zero point in a quantizer (per tensor: the only ones). */
const paramsOf = (q: WeightQuant, c: number) => {
  const k = q.scales.length === 1 ? 0 : c;
  return { s: q.scales[k], z: q.zeroPoints[k] };
};

/** The grid's values for channel c, ascending: (q − z)·s over the range, or ±levels·s for APoT. */
export function gridValues(q: WeightQuant, c: number): number[] {
  const { s, z } = paramsOf(q, c);
  if (q.levels) {
    const m = Array.from(q.levels);
    return [...m.slice(1).reverse().map((v) => -v), ...m].map((v) => Math.fround(v * s));
  }
  return Array.from({ length: q.range.qmax - q.range.qmin + 1 }, (_, i) => Math.fround((q.range.qmin + i - z) * s));
}

/** Channel c's SQNR on the quantizer's own codes. */
function channelSqnr(q: WeightQuant, w: Float32Array, c: number, axis: number): number {
  const { s, z } = paramsOf(q, c);
  const codes = pickChannel(q.codes, q.dims, axis, c);
  return sqnrDb(w, Float32Array.from(codes, (k) => (k - z) * s));
}

/** Counts of x in `bins` equal bins over [lo, hi]. */
export function histogram(x: ArrayLike<number>, lo: number, hi: number, bins: number): { width: number; counts: number[] } {
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < x.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((x[i] - lo) / width)))]++;
  return { width, counts };
}

export async function weightLevels(s: Session, state: QuantState, layer: string, channel: number, bins: number): Promise<WeightLevelsView> {
  const l = place(s.graph, state.config).layers.find((x) => layerName(x.node) === layer && !x.float);
  const wq = state.weights.find((w) => w.node === layer);
  if (!l || !wq) throw new StudioError('bad-input', `Layer "${layer}" has no quantized weights: it is kept in float, or the model is not calibrated.`);
  const channels = l.dims[l.axis];
  const c = Math.min(Math.max(0, Math.floor(channel) || 0), channels - 1);
  const w = pickChannel(tensorFloat32(s.graph.initializers.get(l.weight)!), l.dims, l.axis, c);
  const bits = wq.range.bits;
  const { wLevels: _levels, ...uniformConfig } = state.config;
  const apotConfig: QuantConfig = { ...state.config, wLevels: 'apot' };
  const uniformQ = wq.levels ? await quantizeLayer(s, l, uniformConfig) : wq;
  const apotQ = wq.levels ? wq : apotWeightBits(bits) ? await quantizeLayer(s, l, apotConfig) : null;
  const uniform = gridValues(uniformQ, c);
  const apot = apotQ ? gridValues(apotQ, c) : null;
  const all = [...w, ...uniform, ...(apot ?? [])];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const h = histogram(w, lo, hi, Math.max(1, Math.floor(bins)));
  return {
    layer,
    channel: c,
    channels,
    bits,
    current: wq.levels ? 'apot' : 'uniform',
    lo,
    width: h.width,
    counts: h.counts,
    uniform,
    apot,
    uniformSqnrDb: channelSqnr(uniformQ, w, c, l.axis),
    apotSqnrDb: apotQ ? channelSqnr(apotQ, w, c, l.axis) : null,
  };
}
