// Quantizer-by-quantizer comparison of the studio's fake-quant with an exported QDQ model: the
// export with every activation's integer codes (the DequantizeLinear's input) exposed as outputs.
import type { Graph, Model, Node } from '../graph/ir';
import { QS_DOMAIN } from '../engine/ops/quant';
import { DT, tensorValues } from '../onnx/dtype';
import { readModel } from '../onnx/read';
import { writeModel } from '../onnx/write';
import { roundHalfEven } from '../ref/round';
import type { ActQuant, QuantState } from './types';

/** One activation quantizer as seen in the exported file. */
export interface Probe {
  act: ActQuant;
  /** Graph output that carries its integer codes (after the Clip below 8 bits). */
  output: string;
  /** The file's code − the studio's code for the same value (128 for signed codes stored as uint8). */
  offset: number;
  /** Position of its QuantizeLinear among the file's nodes (topological). */
  order: number;
}

/**
 * The exported model with every activation quantizer's codes as an extra graph output, in topological
 * order. Nothing else changes, so onnxruntime optimizes and runs it as it does the file itself.
 */
export function exposeCodes(exported: Uint8Array, state: QuantState): { bytes: Uint8Array; probes: Probe[] } {
  const model: Model = readModel(exported, 'export.onnx');
  const g = model.graph;
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const probes: Probe[] = state.acts.map((act) => {
    // a graph output keeps its name on the DequantizeLinear; its QuantizeLinear reads a renamed tensor
    const dqOut = g.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === act.tensor);
    const q = g.nodes.find((n) => n.opType === 'QuantizeLinear' && (n.inputs[0] === act.tensor || (dqOut && codesOf(n, readers) === dqOut.inputs[0])));
    if (!q) throw new Error(`activation "${act.tensor}": no QuantizeLinear reads it in the exported model`);
    const output = codesOf(q, readers);
    const zp = g.initializers.get(q.inputs[2]);
    if (!zp) throw new Error(`activation "${act.tensor}": its QuantizeLinear has no zero-point initializer`);
    return { act, output, offset: tensorValues(zp)[0] - act.zeroPoint, order: g.nodes.indexOf(q) };
  });
  probes.sort((a, b) => a.order - b.order);
  const dtype = (p: Probe) => (p.act.range.signed && p.offset === 0 ? DT.INT8 : DT.UINT8);
  const have = new Set(g.outputs.map((o) => o.name));
  const outputs = [...g.outputs, ...probes.filter((p) => !have.has(p.output)).map((p) => ({ name: p.output, dataType: dtype(p) }))];
  return { bytes: writeModel({ ...model, graph: { ...g, outputs } }), probes };
}

/**
 * The studio's fake-quant graph (quantizedGraph) with every quantizer's output `t::fq` read from a
 * graph input of that name; each FakeQuant still runs, writing `t::fq::own`. Fed onnxruntime's
 * dequantized codes, the studio computes each quantizer from onnxruntime's codes upstream, so a code
 * that differs there is that quantizer's own difference, not one carried from an earlier layer.
 */
export function fedGraph(quant: Graph): Graph {
  const inputs = [...quant.inputs];
  const nodes = quant.nodes.map((n) => {
    if (n.opType !== 'FakeQuant' || n.domain !== QS_DOMAIN) return n;
    inputs.push({ name: n.outputs[0], dataType: DT.FLOAT });
    return { ...n, outputs: [`${n.outputs[0]}::own`] };
  });
  return { ...quant, inputs, nodes };
}

/** x̂ = (code − offset − z)·s in float32: what DequantizeLinear makes of the file's codes. */
export function dequantizeCodes(p: Probe, codes: ArrayLike<number>): Float32Array {
  const s = Math.fround(p.act.scale);
  const z = p.act.zeroPoint + p.offset;
  return Float32Array.from(codes, (q) => (q - z) * s);
}

/** The codes a QuantizeLinear's DequantizeLinear reads: its output, or the Clip's after it. */
function codesOf(q: Node, readers: Map<string, Node[]>): string {
  const next = readers.get(q.outputs[0]) ?? [];
  const clip = next.length === 1 && next[0].opType === 'Clip' ? next[0] : undefined;
  return clip ? clip.outputs[0] : q.outputs[0];
}

/** How the studio's codes and the file's codes for one quantizer compare over a set of images. */
export interface CodeDiff {
  tensor: string;
  bits: number;
  elements: number;
  /** Elements whose codes differ. */
  differ: number;
  /** Largest |studio code − file code|. */
  maxDiff: number;
  /**
   * Of the differing elements, how many had the studio's float input within NEAR of a rounding
   * boundary (|x/s − k − ½| < 1e-4 steps): a flip by float rounding noise, not a different formula.
   */
  nearBoundary: number;
  /** Of the differing elements, the largest distance of x/s from a rounding boundary k + ½, in steps (0 when none differ). */
  farthest: number;
  /** Elements where the studio's kernel code ≠ QuantizeLinear's formula in float32 on the studio's own input. */
  kernelVsFormula: number;
}

export function emptyDiff(a: ActQuant): CodeDiff {
  return { tensor: a.tensor, bits: a.range.bits, elements: 0, differ: 0, maxDiff: 0, nearBoundary: 0, farthest: 0, kernelVsFormula: 0 };
}

/** Distance to a rounding boundary, in steps, under which a flipped code counts as float noise. */
export const NEAR = 1e-4;

/** QuantizeLinear in float32: saturate(round_half_even(fl(x / s)) + z) to [qmin, qmax]. */
export function quantizeLinear(x: number, a: ActQuant): number {
  return Math.min(Math.max(roundHalfEven(Math.fround(x / Math.fround(a.scale))) + a.zeroPoint, a.range.qmin), a.range.qmax);
}

/**
 * Accumulate one batch into `d`: `fq` is the studio's fake-quant output (x̂ = (q − z)·s, so its codes
 * are exact), `x` the float value it quantized, `file` the exported model's codes (offset removed).
 */
export function accumulate(d: CodeDiff, p: Probe, fq: Float32Array, x: Float32Array, file: ArrayLike<number>): void {
  if (fq.length !== file.length || x.length !== fq.length) throw new Error(`activation "${p.act.tensor}": ${fq.length} studio values, ${file.length} codes in the file`);
  const s = Math.fround(p.act.scale);
  const z = p.act.zeroPoint;
  for (let i = 0; i < fq.length; i++) {
    const mine = Math.round(fq[i] / s) + z;
    if (mine !== quantizeLinear(x[i], p.act)) d.kernelVsFormula++;
    const diff = Math.abs(mine - (file[i] - p.offset));
    if (diff === 0) continue;
    d.differ++;
    if (diff > d.maxDiff) d.maxDiff = diff;
    const t = x[i] / s;
    const distance = Math.abs(Math.abs(t - Math.floor(t)) - 0.5);
    if (distance < NEAR) d.nearBoundary++;
    d.farthest = Math.max(d.farthest, distance);
  }
  d.elements += fq.length;
}
