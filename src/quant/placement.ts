// Where quantizers go (DESIGN.md §1, as QDrop/BRECQ place them): every weighted layer's weights,
// and one activation quantizer per tensor that feeds a weighted layer, placed at the op that
// computed it (through reshapes, transposes, pooling, slicing, splitting and padding, which keep
// values on the grid or, for average pooling and spatial ReduceMean, are left in float as QDrop
// does). The network input stays float. Conv/Gemm/MatMul/ConvTranspose nodes left in float are
// listed with the reason (placement-why.ts).
import type { Graph, Node } from '../graph/ir';
import { DT } from '../onnx/dtype';
import { topoSort } from '../engine/plan';
import type { QuantConfig } from './types';
import { passesThrough, unquantized, type FloatLayer } from './placement-why';

export interface WeightedLayer {
  node: Node;
  weight: string;
  dims: number[];
  /** Axis of the output channels in the weight. */
  axis: number;
  wBits: number;
  /** Keep this layer in float (override). */
  float: boolean;
  first: boolean;
  last: boolean;
}

export interface ActSite {
  tensor: string;
  bits: number;
  /** The weighted layers that read it. */
  consumers: string[];
}

export interface Placement {
  layers: WeightedLayer[];
  acts: ActSite[];
  /** Weighted ops whose weights stay float, and why (overrides included); for the layer table and the CLI. */
  float: FloatLayer[];
}

/** Ops whose weights placement quantizes (input 1 a float initializer). */
export const WEIGHTED_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export const layerName = (n: Node): string => n.name || n.outputs[0];

export function weightedLayers(g: Graph): Node[] {
  const ready = new Set([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  return topoSort(g.nodes, ready).filter((n) => {
    if (!WEIGHTED_OPS.has(n.opType) || n.domain !== '') return false;
    const w = g.initializers.get(n.inputs[1]);
    return !!w && w.dataType === DT.FLOAT;
  });
}

function outputAxis(n: Node): number {
  if (n.opType === 'Conv') return 0;
  if (n.opType === 'ConvTranspose') return 1; // weight [C_in, C_out/group, k…]
  if (n.opType === 'Gemm') return n.attrs.transB?.type === 'int' && n.attrs.transB.value === 1 ? 0 : 1;
  return 1; // MatMul: weight [K, N]
}

export function place(g: Graph, config: QuantConfig): Placement {
  const nodes = weightedLayers(g);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const inputs = new Set(g.inputs.map((i) => i.name));
  const layers: WeightedLayer[] = nodes.map((node, i) => {
    const o = config.overrides[layerName(node)] ?? {};
    const first = i === 0;
    const last = i === nodes.length - 1;
    const policy8 = config.firstLast8bit && (first || last);
    return {
      node,
      weight: node.inputs[1],
      dims: g.initializers.get(node.inputs[1])!.dims,
      axis: outputAxis(node),
      wBits: o.wBits ?? (policy8 ? 8 : config.wBits),
      float: !!o.float,
      first,
      last,
    };
  });
  const acts = new Map<string, ActSite>();
  for (const l of layers) {
    if (l.float) continue;
    let t = l.node.inputs[0];
    while (producer.get(t) && passesThrough(producer.get(t)!, g)) t = producer.get(t)!.inputs[0];
    if (inputs.has(t) || !producer.has(t)) continue; // the network input is not quantized
    const o = config.overrides[layerName(l.node)] ?? {};
    const bits = o.aBits ?? (config.firstLast8bit && l.last ? 8 : config.aBits);
    const site = acts.get(t);
    if (site) {
      site.bits = Math.max(site.bits, bits);
      site.consumers.push(layerName(l.node));
    } else acts.set(t, { tensor: t, bits, consumers: [layerName(l.node)] });
  }
  return { layers, acts: [...acts.values()], float: unquantized(g, layers) };
}
