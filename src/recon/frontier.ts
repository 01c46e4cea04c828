// The calibration set's values at a cut through one graph (float or fake-quantized), on the GPU as
// sample caches, moved forward by running only the nodes between the cut and the tensors asked
// for: a block's float output from its cached float input, the next block's quantized input from
// this block's cached quantized input. A cut keeps exactly the tensors that nodes not yet run
// still read; the segment between two cuts runs as a plan of its own (engine/plan.ts) over
// batches of cached samples, its buffers freed when it is done.
import type { Gpu } from '../gpu/gpu';
import type { Graph } from '../graph/ir';
import { DT } from '../onnx/dtype';
import { buildPlan, type Analysis, type ConstCache, type GpuNode } from '../engine/plan';
import { StudioError } from '../engine/errors';
import { createSampleCache, destroySampleCache, type CachePrecision, type SampleCache } from './cache';
import { encodeSteps, moveSamples, runSteps, tensorStore, type Step } from './sample-copy';

/** Every cache the frontiers of a run made, so that the ones nobody holds can be destroyed. */
export class CachePool {
  private all = new Set<SampleCache>();
  constructor(
    readonly gpu: Gpu,
    readonly count: number,
  ) {}

  create(label: string, size: number, precision: CachePrecision): SampleCache {
    const c = createSampleCache(this.gpu, label, this.count, size, precision);
    this.all.add(c);
    return c;
  }

  /** Destroy every cache not in `held`. */
  sweep(held: Iterable<SampleCache | null | undefined>): void {
    const keep = new Set(held);
    for (const c of this.all) {
      if (keep.has(c)) continue;
      destroySampleCache(c);
      this.all.delete(c);
    }
  }

  /** The cache itself in its precision, else a copy in `precision` (converted on the GPU). */
  async as(c: SampleCache, precision: CachePrecision, label: string): Promise<SampleCache> {
    if (c.precision === precision) return c;
    const to = this.create(label, c.size, precision);
    const mark = this.gpu.mark();
    const steps = moveSamples(this.gpu, c, 0, to, 0, this.count, label);
    const made = this.gpu.madeSince(mark);
    try {
      await runSteps(this.gpu, steps);
    } finally {
      for (const b of made) b.destroy();
    }
    return to;
  }
}

export interface AdvanceOptions {
  /** Samples done of this segment (after each batch). */
  progress?: (done: number) => void;
  signal?: { cancelled: boolean };
}

const key = (g: GpuNode) => g.node.outputs[0];

export class Frontier {
  readonly caches = new Map<string, SampleCache>();
  /** Nodes run so far (by first output: stable across versions of the fake-quantized graph). */
  private ran = new Set<string>();
  private graph!: Graph;
  private a!: Analysis;
  private producer = new Map<string, GpuNode>();
  private consumers = new Map<string, GpuNode[]>();

  constructor(
    private readonly pool: CachePool,
    readonly label: string,
    private readonly opset: number,
    graph: Graph,
    analysis: Analysis,
  ) {
    this.setGraph(graph, analysis);
  }

  /** A new version of the graph (the quantized model after a block): tensor and node names are kept. */
  setGraph(graph: Graph, analysis: Analysis): void {
    this.graph = graph;
    this.a = analysis;
    this.producer.clear();
    this.consumers.clear();
    for (const g of analysis.gpuNodes) {
      for (const o of g.node.outputs) if (o) this.producer.set(o, g);
      for (const i of new Set(g.node.inputs)) if (i) this.consumers.set(i, [...(this.consumers.get(i) ?? []), g]);
    }
  }

  get(t: string): SampleCache {
    const c = this.caches.get(t);
    if (!c) throw new Error(`${this.label}: "${t}" is not cached`);
    return c;
  }

  private shape(t: string): number[] {
    const v = this.a.values.get(t);
    if (!v) throw new Error(`${this.label}: no value "${t}"`);
    return v.shape;
  }

  private sizeOf(t: string): number {
    return this.shape(t).slice(1).reduce((p, q) => p * q, 1);
  }

  /** Does a node not yet run read t? */
  private needed(t: string): boolean {
    return (this.consumers.get(t) ?? []).some((g) => !this.ran.has(key(g)));
  }

  /** Let go of the tensors no node left reads, but `keep`. */
  private prune(keep: string[]): void {
    for (const t of [...this.caches.keys()]) if (!keep.includes(t) && !this.needed(t)) this.caches.delete(t);
  }

  /**
   * Bring `targets` into the cut: those not cached yet computed by the nodes between (and stored
   * in `precision`, as is whatever else later nodes will read); cached ones stay as they are.
   */
  async advance(targets: string[], precision: CachePrecision, o: AdvanceOptions = {}): Promise<void> {
    const missing = targets.filter((t) => !this.caches.has(t));
    if (missing.length) await this.run(missing, precision, o);
    this.prune(targets);
  }

  /**
   * A float16 cache of a FakeQuant's output is read through that FakeQuant again: its values are
   * s·k with |k| ≤ 512, which float16 holds within 512·2^-11 < ½ step, so quantizing them again
   * gives back exactly the float32 values the cache was made from.
   */
  private requantizer(t: string): GpuNode | null {
    const p = this.producer.get(t);
    if (this.caches.get(t)?.precision !== 'f16' || p?.node.opType !== 'FakeQuant') return null;
    const at = (n: string) => p.node.attrs[n];
    const q = [at('qmin'), at('qmax')].map((x) => (x?.type === 'int' ? x.value : NaN));
    const z = at('zero_points');
    const zs = z?.type === 'ints' ? z.value : [];
    return zs.length && zs.every((zp) => Math.abs(q[0] - zp) <= 512 && Math.abs(q[1] - zp) <= 512) ? p : null;
  }

  /** The nodes that compute `targets` from the cut, in order, with what they read and leave. */
  private segment(targets: string[]): { nodes: GpuNode[]; reads: string[]; consts: string[]; leaves: string[] } {
    const nodes = new Set<GpuNode>();
    const reads = new Set<string>();
    const seen = new Set<string>();
    const stack = [...targets];
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      if (this.caches.has(t)) reads.add(t);
      else if (!this.a.values.get(t)?.values && !this.graph.initializers.has(t)) {
        const p = this.producer.get(t);
        if (!p || this.ran.has(key(p))) throw new Error(`${this.label}: "${t}" is neither cached nor computed by a node still to run`);
        nodes.add(p);
        for (const i of p.node.inputs) if (i) stack.push(i);
      }
    }
    const ordered = this.a.gpuNodes.filter((g) => nodes.has(g));
    const produced = new Set(ordered.flatMap((g) => g.node.outputs.filter(Boolean)));
    const consts = [...seen].filter((t) => !reads.has(t) && !produced.has(t) && !this.graph.initializers.has(t));
    for (const g of ordered) this.ran.add(key(g));
    const leaves = [...produced].filter((t) => targets.includes(t) || this.needed(t));
    return { nodes: ordered, reads: [...reads], consts, leaves };
  }

  private async run(targets: string[], precision: CachePrecision, o: AdvanceOptions): Promise<void> {
    const gpu = this.pool.gpu;
    const count = this.pool.count;
    const seg = this.segment(targets);
    const requant = new Map(seg.reads.flatMap((t) => (this.requantizer(t) ? [[t, this.requantizer(t)!] as const] : [])));
    const feedOf = (t: string) => (requant.has(t) ? `${t}::f16` : t);
    const cacheOf = new Map(seg.reads.map((t) => [feedOf(t), this.get(t)]));
    const info = (t: string) => ({ name: t, dataType: DT.FLOAT, shape: this.shape(t) });
    const nodes = [...[...requant].map(([t, p]) => ({ ...p.node, name: `${t}::again`, inputs: [feedOf(t)], outputs: [t] })), ...seg.nodes.map((g) => g.node)];
    const sub: Graph = { ...this.graph, nodes, inputs: seg.reads.map((t) => ({ ...info(t), name: feedOf(t) })), outputs: seg.leaves.map(info), valueInfo: [] };
    const feeds = [
      ...seg.reads.map((t) => ({ name: feedOf(t), shape: this.shape(t), dtype: DT.FLOAT })),
      ...seg.consts.map((t) => {
        const v = this.a.values.get(t)!;
        return { name: t, shape: v.shape, dtype: v.dtype, values: v.values!() };
      }),
    ];
    const out = new Map(seg.leaves.map((t) => [t, this.pool.create(`${this.label} ${t}`, this.sizeOf(t), precision)]));
    const B = this.shape(seg.leaves[0])[0];
    // the plan, and every batch's steps, built before the first batch runs (synchronously: what
    // was made meanwhile is theirs, the segment's weights included, and freed when it is done)
    const mark = gpu.mark();
    const batches: Step[][] = [];
    try {
      const plan = buildPlan(gpu, sub, this.opset, feeds, new Map() as ConstCache, seg.leaves);
      for (let first = 0; first < count; first += B) {
        const n = Math.min(B, count - first);
        const steps: Step[] = [];
        for (const i of plan.inputs) steps.push(...moveSamples(gpu, cacheOf.get(i.name)!, first, tensorStore(i.tensor), 0, n, `${this.label} ${i.name}`));
        steps.push(...plan.dispatches.map((dispatch) => ({ dispatch })));
        for (const [t, c] of out) {
          const kept = plan.kept.get(t);
          if (!kept) throw new Error(`${this.label}: "${t}" was not kept by its segment`);
          steps.push(...moveSamples(gpu, tensorStore(kept), 0, c, first, n, `${this.label} ${t}`));
        }
        batches.push(steps);
      }
    } catch (e) {
      for (const b of gpu.madeSince(mark)) b.destroy();
      throw e;
    }
    const made = gpu.madeSince(mark);
    try {
      for (const [k, steps] of batches.entries()) {
        if (o.signal?.cancelled) throw new StudioError('cancelled', 'reconstruction was cancelled');
        const enc = gpu.device.createCommandEncoder({ label: this.label });
        encodeSteps(enc, steps, this.label);
        gpu.device.queue.submit([enc.finish()]);
        await gpu.device.queue.onSubmittedWorkDone();
        gpu.throwErrors();
        o.progress?.(Math.min(count, (k + 1) * B));
      }
      for (const [t, c] of out) this.caches.set(t, c);
    } finally {
      for (const b of made) b.destroy();
    }
  }
}
