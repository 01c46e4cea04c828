// Automatic block partition for reconstruction (DESIGN.md §5, as MQBench/BRECQ/QDrop do it): a
// residual block is everything from a fork to the node that merges it (plus the trailing
// activation and its quantizer), and so are Concat branches (SqueezeNet fire, ShuffleNet unit); a
// chain without shortcuts is stacked into blocks of at most three weighted layers, ending at a
// linear bottleneck (an inverted residual without shortcut); gates (hardswish, squeeze-excitation)
// go with the layer before them; the stem and the classifier are reconstructed layer by layer.
import type { Node } from '../graph/ir';
import { layerName, type Placement } from '../quant/placement';
import { GraphWalk } from './block-regions';
import { hasBackward } from './backward-rules';

export type BlockKind = 'layer' | 'residual' | 'branches' | 'chain';

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
/** Ops with one data input that follow a layer without ending it: constant bias/scale, standalone BN. */
const AFFINE = new Set(['Add', 'Sub', 'Mul', 'Div', 'BatchNormalization']);
const MAX_CHAIN = 3;
/** Most weighted layers in one residual or branch block (MobileNetV3 with SE: 5; ShuffleNet's down unit: 5). */
const MAX_REGION = 8;
/** Most weighted layers in a gate that goes with the layer before it (squeeze-excitation: 2). */
const MAX_GATE = 2;

/**
 * Partition the GPU nodes of a prepared graph (topological order, constants folded away: see
 * engine/plan.ts analyze) into reconstruction blocks. `isData(t)` tells tensors computed from the
 * images from constants. `layerwise` gives one block per layer (AdaRound).
 */
export function partitionBlocks(nodes: Node[], placement: Placement, isData: (t: string) => boolean, opts: { layerwise?: boolean; alone?: (layer: string) => boolean } = {}): Block[] {
  /** Layers that make a block of their own (weights too large to train: the run passes over just them). */
  const alone = (n: Node) => !!opts.alone?.(layerName(n));
  const walk = new GraphWalk(nodes, isData);
  const byName = new Map(nodes.map((n) => [layerName(n), n]));
  const assigned = new Set<string>();
  const taken = (n: Node) => assigned.has(layerName(n));
  const weighted = new Set(placement.layers.map((l) => layerName(l.node)));
  const lastLayers = new Set(placement.layers.filter((l) => l.last).map((l) => layerName(l.node)));
  const siteSet = new Set(placement.acts.map((a) => a.tensor));
  const layersIn = (ns: Node[]) => ns.filter((n) => weighted.has(layerName(n))).length;
  const hasLast = (ns: Node[]) => ns.some((n) => lastLayers.has(layerName(n)));
  /** No op in ns lacks a gradient (Resize, LRN: such ops stay between blocks). */
  const trainable = (ns: Node[]) => ns.every((n) => hasBackward(n.opType));

  /**
   * The activations, constant affine ops and gates (hardswish, squeeze-excitation: a fork merged
   * by Mul) after tensor t; `ends` is true when no nonlinearity follows (a linear bottleneck: the
   * end of an inverted residual).
   */
  const trailing = (t: string, claimed: Set<Node>): { nodes: Node[]; linear: boolean } => {
    const out: Node[] = [];
    let linear = true;
    const free = (n: Node) => taken(n) || claimed.has(n);
    for (;;) {
      const us = walk.uses(t);
      if (us.length === 1) {
        const n = us[0];
        const ok = ACTIVATIONS.has(n.opType) || (AFFINE.has(n.opType) && walk.dataInputs(n).length === 1);
        if (!ok || free(n) || walk.dataInputs(n).length !== 1) return { nodes: out, linear };
        if (ACTIVATIONS.has(n.opType)) linear = false;
        out.push(n);
        t = n.outputs[0];
        continue;
      }
      const r = us.length > 1 ? walk.region(t, free) : null;
      const gate = r && r.merge.opType === 'Mul' && layersIn(r.nodes) <= (opts.layerwise ? 0 : MAX_GATE) && !hasLast(r.nodes) && trainable(r.nodes);
      if (!gate) return { nodes: out, linear };
      out.push(...r.nodes);
      linear = false;
      t = r.output;
    }
  };

  const blocks: Block[] = [];
  const make = (kind: BlockKind, input: string, members: Node[]): Block => {
    members.sort((a, b) => walk.order.get(layerName(a))! - walk.order.get(layerName(b))!);
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

  /** A residual block or Concat branches from a fork at or above the layer's input that hold the layer. */
  const forkRegion = (L: Node): { kind: BlockKind; input: string; nodes: Node[] } | null => {
    for (const f of walk.forksAbove(L.inputs[0], taken)) {
      const r = walk.region(f, taken);
      if (!r || !r.nodes.includes(L) || layersIn(r.nodes) > MAX_REGION || hasLast(r.nodes) || !trainable(r.nodes) || r.nodes.some(alone)) continue;
      const kind: BlockKind = r.merge.opType === 'Add' || r.merge.opType === 'Sum' ? 'residual' : 'branches';
      const claimed = new Set(r.nodes);
      return { kind, input: f, nodes: [...r.nodes, ...trailing(r.output, claimed).nodes] };
    }
    return null;
  };

  for (const L of placement.layers) {
    const name = layerName(L.node);
    if (!byName.has(name) || assigned.has(name)) continue;
    const t = L.node.inputs[0];
    if (L.first || L.last || opts.layerwise || alone(L.node)) {
      blocks.push(make('layer', t, [L.node, ...trailing(L.node.outputs[0], new Set()).nodes]));
      continue;
    }
    const region = forkRegion(L.node);
    if (region) {
      blocks.push(make(region.kind, region.input, region.nodes));
      continue;
    }
    // a chain: this layer and the next ones reached through single-reader nodes or Concat branches,
    // ending after a layer with no nonlinearity (a linear bottleneck) or at MAX_CHAIN layers
    const claimed = new Set<Node>([L.node]);
    const first = trailing(L.node.outputs[0], claimed);
    const members = [L.node, ...first.nodes];
    first.nodes.forEach((n) => claimed.add(n));
    let count = 1;
    let linear = first.linear;
    let cur = members[members.length - 1].outputs[0];
    let path: Node[] = []; // nodes walked past since the last layer: kept only if another layer follows
    while (count < MAX_CHAIN && !linear) {
      const us = walk.uses(cur);
      const free = (n: Node) => taken(n) || claimed.has(n) || path.includes(n);
      let add: Node[] | null = null;
      let added = 0;
      if (us.length > 1) {
        const r = walk.region(cur, free);
        if (r && r.merge.opType === 'Concat' && layersIn(r.nodes) && count + layersIn(r.nodes) <= MAX_CHAIN && !hasLast(r.nodes) && trainable(r.nodes) && !r.nodes.some(alone)) [add, added] = [r.nodes, layersIn(r.nodes)];
      } else if (us.length === 1 && !free(us[0])) {
        const n = us[0];
        if (weighted.has(layerName(n))) {
          if (!lastLayers.has(layerName(n)) && !alone(n)) [add, added] = [[n], 1];
        } else if (walk.dataInputs(n).length === 1 && hasBackward(n.opType)) {
          path.push(n);
          cur = n.outputs[0];
          continue;
        }
      }
      if (!add) break;
      const after = trailing(add[add.length - 1].outputs[0], new Set([...claimed, ...path, ...add]));
      for (const n of [...path, ...add, ...after.nodes]) {
        members.push(n);
        claimed.add(n);
      }
      path = [];
      count += added;
      linear = after.linear;
      cur = members[members.length - 1].outputs[0];
    }
    blocks.push(make(count > 1 ? 'chain' : 'layer', t, members));
  }
  return blocks;
}
