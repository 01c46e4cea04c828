// The per-layer table: range, scale and SQNR (dB) of each layer's weights and of each quantized
// activation (on one batch of calibration images), so weak layers can be found by sorting.
import type { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import { tensorFloat32 } from '../onnx/dtype';
import { fakeQuantRef } from '../ref/fake-quant';
import { dequantize } from './apply';
import type { QuantState } from './types';

export interface LayerRow {
  /** Layer (weights) or tensor (activations) name. */
  name: string;
  kind: 'weight' | 'activation';
  bits: number;
  /** The representable range [(qmin − z)·s, (qmax − z)·s] (per-channel: the widest). */
  min: number;
  max: number;
  /** Scale (per-channel: the mean). */
  scale: number;
  /** 10·log10(Σx² / Σ(x − x̂)²); Infinity when exact. */
  sqnrDb: number;
}

export function sqnrDb(x: ArrayLike<number>, xq: ArrayLike<number>): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < x.length; i++) {
    signal += x[i] * x[i];
    noise += (x[i] - xq[i]) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

export async function quantReport(session: Session, state: QuantState, sample: HostTensor): Promise<LayerRow[]> {
  const rows: LayerRow[] = [];
  for (const w of state.weights) {
    const lo = Math.min(...Array.from(w.scales, (s, c) => (w.range.qmin - w.zeroPoints[c]) * s));
    const hi = Math.max(...Array.from(w.scales, (s, c) => (w.range.qmax - w.zeroPoints[c]) * s));
    const mean = w.scales.reduce((a, b) => a + b, 0) / w.scales.length;
    const float = tensorFloat32(session.graph.initializers.get(w.weight)!);
    rows.push({ name: w.node, kind: 'weight', bits: w.range.bits, min: lo, max: hi, scale: mean, sqnrDb: sqnrDb(float, dequantize(w)) });
  }
  const input = session.graph.inputs[0].name;
  const values = await session.inspect({ [input]: sample }, state.acts.map((a) => a.tensor));
  for (const a of state.acts) {
    const x = values.get(a.tensor);
    if (!x) continue;
    const xq = fakeQuantRef(x.data, x.shape, { scales: [a.scale], zeroPoints: [a.zeroPoint], qmin: a.range.qmin, qmax: a.range.qmax });
    rows.push({
      name: a.tensor,
      kind: 'activation',
      bits: a.range.bits,
      min: (a.range.qmin - a.zeroPoint) * a.scale,
      max: (a.range.qmax - a.zeroPoint) * a.scale,
      scale: a.scale,
      sqnrDb: sqnrDb(x.data, xq),
    });
  }
  return rows;
}
