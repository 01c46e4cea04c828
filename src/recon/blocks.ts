// Automatic block partition for reconstruction (DESIGN.md §5, as MQBench/BRECQ/QDrop do it): a
// residual block is everything from a fork to the node that merges it (plus the trailing
// activation and its quantizer); a chain without shortcuts is stacked into blocks of at most three
// weighted layers; the stem and the classifier are reconstructed layer by layer.
import type { Node } from '../graph/ir';
import { layerName, type Placement } from '../quant/placement';

export type BlockKind = 'layer' | 'residual' | 'chain';

export interface Block {
  index: number;
  /** Short label for the UI and logs, e.g. "residual /layer1/layer1.0". */
  name: string;
  kind: BlockKind;
  /** Names of the nodes in the block, in topological order. */
  nodes: string[];
  /** The one data tensor entering the block. */
  input: string;
  /** The tensor it produces (the reconstruction target). */
  output: string;
  /** Weighted layers (Conv/Gemm/MatMul node names) inside, in order. */
  layers: string[];
  /** Activation-quantizer sites (tensor names) produced inside the block, in order. */
  acts: string[];
}

/** Single-input ops that follow a layer and belong to it (with their quantizer). */
const ACTIVATIONS = new Set(['Relu', 'Clip', 'LeakyRelu', 'HardSwish', 'HardSigmoid', 'Sigmoid']);
const CONST_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div']);
const MAX_CHAIN = 3;

/**
 * Partition the GPU nodes of a prepared graph (topological order, constants folded away: see
 * engine/plan.ts analyze) into reconstruction blocks. `isData(t)` tells tensors computed from the
 * images from constants. `layerwise` gives one block per layer (AdaRound).
 */
export function partitionBlocks(nodes: Node[], placement: Placement, isData: (t: string) => boolean, opts: { layerwise?: boolean } = {}): Block[] {
  const byName = new Map(nodes.map((n) => [layerName(n), n]));
  const order = new Map(nodes.map((n, i) => [layerName(n), i]));
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of new Set(n.inputs)) if (i && isData(i)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const dataInputs = (n: Node) => [...new Set(n.inputs.filter((i) => i && isData(i)))];
  const uses = (t: string) => consumers.get(t) ?? [];
  const assigned = new Set<string>();
  const weighted = new Set(placement.layers.map((l) => layerName(l.node)));
  const siteSet = new Set(placement.acts.map((a) => a.tensor));

  /** Absorb the single-consumer activations (and constant bias adds) after tensor t. */
  const trailing = (t: string): Node[] => {
    const out: Node[] = [];
    for (;;) {
      const us = uses(t);
      if (us.length !== 1) return out;
      const n = us[0];
      const ok = ACTIVATIONS.has(n.opType) || (CONST_BINARY.has(n.opType) && dataInputs(n).length === 1);
      if (!ok || assigned.has(layerName(n)) || dataInputs(n).length !== 1) return out;
      out.push(n);
      t = n.outputs[0];
    }
  };

  /**
   * Nodes from fork tensor t up to the first tensor where every path from t meets again; null if a
   * node in between reads data from outside the region (not a self-contained block).
   */
  const region = (t: string): { nodes: Node[]; output: string } | null => {
    const open = new Map<string, number>([[t, uses(t).length]]);
    const inside: Node[] = [];
    const start = Math.min(...uses(t).map((n) => order.get(layerName(n))!));
    for (let k = start; k < nodes.length; k++) {
      const n = nodes[k];
      const ins = dataInputs(n);
      if (!ins.some((i) => open.has(i))) continue;
      if (ins.some((i) => !open.has(i))) return null;
      if (assigned.has(layerName(n))) return null;
      inside.push(n);
      for (const i of ins) {
        const left = open.get(i)! - 1;
        if (left === 0) open.delete(i);
        else open.set(i, left);
      }
      for (const o of n.outputs) if (o && uses(o).length) open.set(o, uses(o).length);
      if (open.size === 1 && open.has(n.outputs[0])) return { nodes: inside, output: n.outputs[0] };
      if (open.size === 0) return null;
    }
    return null;
  };

  const blocks: Block[] = [];
  const make = (kind: BlockKind, input: string, members: Node[]): Block => {
    members.sort((a, b) => order.get(layerName(a))! - order.get(layerName(b))!);
    for (const n of members) assigned.add(layerName(n));
    const names = members.map(layerName);
    const layers = names.filter((n) => weighted.has(n));
    const outputs = new Set(members.flatMap((n) => n.outputs));
    // the common scope of the node names ("/layer1/layer1.0"), else the first layer's name
    const parts = names.map((n) => n.split('/').filter(Boolean));
    let k = 0;
    while (parts.every((p) => k < p.length - 1 && p[k] === parts[0][k])) k++;
    const scope = parts[0].slice(0, k).join('/');
    return {
      index: blocks.length,
      name: `${kind} ${scope ? '/' + scope : (layers[0] ?? names[0])}`,
      kind,
      nodes: names,
      input,
      output: members[members.length - 1].outputs[0],
      layers,
      acts: [...outputs].filter((o) => siteSet.has(o)),
    };
  };

  const layers = placement.layers.filter((l) => byName.has(layerName(l.node)));
  for (let li = 0; li < layers.length; li++) {
    const L = layers[li];
    const name = layerName(L.node);
    if (assigned.has(name)) continue;
    const t = L.node.inputs[0];
    const single = (): Node[] => [L.node, ...trailing(L.node.outputs[0])];
    if (L.first || L.last || opts.layerwise) {
      blocks.push(make('layer', t, single()));
      continue;
    }
    if (uses(t).length >= 2) {
      const r = region(t);
      if (r && r.nodes.some((n) => layerName(n) === name)) {
        blocks.push(make('residual', t, [...r.nodes, ...trailing(r.output)]));
        continue;
      }
    }
    // a plain chain: stack following layers reached through single-use, single-input nodes
    const members = single();
    let count = 1;
    while (count < MAX_CHAIN) {
      const next = layers[li + count];
      if (!next || next.last || assigned.has(layerName(next.node))) break;
      const path: Node[] = [];
      let cur = members[members.length - 1].outputs[0];
      let ok = false;
      for (;;) {
        const us = uses(cur);
        if (us.length !== 1) break;
        const n = us[0];
        if (n === next.node) {
          ok = true;
          break;
        }
        if (weighted.has(layerName(n)) || dataInputs(n).length !== 1) break;
        path.push(n);
        cur = n.outputs[0];
      }
      if (!ok) break;
      members.push(...path, next.node, ...trailing(next.node.outputs[0]));
      count++;
    }
    blocks.push(make(count > 1 ? 'chain' : 'layer', t, members));
    li += count - 1;
  }
  return blocks;
}
