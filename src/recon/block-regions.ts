// Graph walks the block partition is built from: who reads a tensor, and the region from a fork to
// the first tensor where all its paths meet again (a residual block, Concat branches such as a
// SqueezeNet fire module or a ShuffleNet unit, or a gate such as hardswish x·HardSigmoid(x) and
// squeeze-excitation x·σ(FC(ReLU(FC(pool x))))).
import type { Node } from '../graph/ir';

const nameOf = (n: Node): string => n.name || n.outputs[0];

export interface Region {
  nodes: Node[];
  /** The tensor where every path from the fork meets. */
  output: string;
  /** The node that merges the paths (Add, Concat, Mul, …). */
  merge: Node;
}

/** Single-data-input ops that only move or select values: a fork may sit above them (ShuffleNet's channel split). */
const REARRANGE = new Set(['Slice', 'Split', 'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

export class GraphWalk {
  readonly order: Map<string, number>;
  readonly producer = new Map<string, Node>();
  private readonly consumers = new Map<string, Node[]>();

  constructor(
    readonly nodes: Node[],
    readonly isData: (t: string) => boolean,
  ) {
    this.order = new Map(nodes.map((n, i) => [nameOf(n), i]));
    for (const n of nodes) {
      for (const o of n.outputs) this.producer.set(o, n);
      for (const i of new Set(n.inputs)) if (i && isData(i)) this.consumers.set(i, [...(this.consumers.get(i) ?? []), n]);
    }
  }

  uses(t: string): Node[] {
    return this.consumers.get(t) ?? [];
  }

  dataInputs(n: Node): string[] {
    return [...new Set(n.inputs.filter((i) => i && this.isData(i)))];
  }

  /**
   * Nodes from tensor t up to the first tensor where every path from t meets again; null if a
   * node in between reads data from outside the region or is already `taken`. t may have one
   * reader when that reader splits it (Split, or Slices of its output).
   */
  region(t: string, taken: (n: Node) => boolean): Region | null {
    const first = this.uses(t);
    if (!first.length) return null;
    const open = new Map<string, number>([[t, first.length]]);
    const inside: Node[] = [];
    const start = Math.min(...first.map((n) => this.order.get(nameOf(n))!));
    for (let k = start; k < this.nodes.length; k++) {
      const n = this.nodes[k];
      const ins = this.dataInputs(n);
      if (!ins.some((i) => open.has(i))) continue;
      if (ins.some((i) => !open.has(i)) || taken(n)) return null;
      inside.push(n);
      for (const i of ins) {
        const left = open.get(i)! - 1;
        if (left === 0) open.delete(i);
        else open.set(i, left);
      }
      for (const o of n.outputs) if (o && this.uses(o).length) open.set(o, this.uses(o).length);
      if (open.size === 1 && open.has(n.outputs[0])) {
        // a chain from a single-reader tensor is not a region (nothing forked)
        return inside.length > 1 && ins.length > 1 ? { nodes: inside, output: n.outputs[0], merge: n } : null;
      }
      if (open.size === 0) return null;
    }
    return null;
  }

  /** Tensors a block could fork from, nearest first: t, then up through rearrangements while each has one reader. */
  forksAbove(t: string, taken: (n: Node) => boolean): string[] {
    const out = [t];
    for (;;) {
      const p = this.producer.get(t);
      if (!p || taken(p) || !REARRANGE.has(p.opType) || this.dataInputs(p).length !== 1 || this.uses(t).length !== 1) return out;
      t = this.dataInputs(p)[0];
      out.push(t);
    }
  }
}
