// The caches of each block of a reconstruction run (float input, quantized input, float output
// over the calibration images), made without repeated work: the images are decoded and uploaded
// once; a block's float input is the cached float output of the block before (the same buffer, or
// a GPU conversion when the precision changes) or, where nodes sit between, what those nodes make
// of it; its float output comes from running the block's own nodes; its quantized input from running
// only the block before (and what lies between) of the quantized model on that block's cached
// quantized input. Nothing runs the model's prefix again. Live GPU memory after a block is the cut
// through the two graphs (src/recon/frontier.ts): independent of how many blocks came before.
import { analyze } from '../engine/plan';
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import { DT } from '../onnx/dtype';
import type { QuantState } from '../quant/types';
import type { ModelAnalysis } from './analysis';
import type { Block } from './blocks';
import { planCaches, sampleCacheBytes, writeSamples, type CachePrecision, type SampleCache } from './cache';
import { CachePool, Frontier, type AdvanceOptions } from './frontier';
import type { BlockCaches } from './program';

export interface CacheSource {
  /** Calibration batches: read once per run. */
  batches: () => AsyncIterable<HostTensor> | Iterable<HostTensor>;
  count: number;
  signal?: { cancelled: boolean };
}

export interface CacheBudget {
  /** MiB the three caches of a block may take. */
  cacheMiB: number;
  cachePrecision: 'auto' | CachePrecision;
}

export class RunCaches {
  private readonly pool: CachePool;
  private readonly float: Frontier;
  private readonly quant: Frontier;
  private readonly feed: string;
  private loaded = false;
  /** The caches of the block being trained (kept while it trains, whatever the frontiers need). */
  private held: (SampleCache | null)[] = [];

  constructor(
    private readonly session: Session,
    private readonly a: ModelAnalysis,
    private readonly source: CacheSource,
  ) {
    this.pool = new CachePool(session.gpu, source.count);
    this.feed = session.graph.inputs[0].name;
    this.float = new Frontier(this.pool, 'float', session.opset, session.graph, a);
    const q = this.quantGraph();
    this.quant = new Frontier(this.pool, 'quantized', session.opset, q, this.analyzeQuant());
  }

  private quantGraph() {
    const g = this.session.quantGraph;
    if (!g) throw new StudioError('bad-input', 'no quantization is set: calibrate first');
    return g;
  }

  private analyzeQuant() {
    const feeds = this.session.graph.inputs.map((v) => ({ name: v.name, shape: this.a.shapeOf(v.name), dtype: v.dataType ?? DT.FLOAT }));
    return analyze(this.quantGraph(), this.session.opset, feeds);
  }

  /** The quantized model changed (a block's rounding frozen): later segments run the new one. */
  quantChanged(): void {
    this.quant.setGraph(this.quantGraph(), this.analyzeQuant());
  }

  /**
   * The block's float input, quantized input (null for a block reading the model input) and float
   * output, in the precision the budget allows (planCaches). `progress(done, total)` reaches
   * total once, at the end.
   */
  async block(block: Block, state: QuantState, budget: CacheBudget, progress: (done: number, total: number) => void): Promise<BlockCaches> {
    const count = this.source.count;
    const size = (t: string) => this.a.shapeOf(t).slice(1).reduce((p, q) => p * q, 1);
    const quantInput = block.input !== this.feed;
    const qName = state.acts.some((x) => x.tensor === block.input) ? `${block.input}::fq` : block.input;
    const { precision, bytes } = planCaches({ block: block.name, count, xSize: size(block.input), ySize: size(block.output), quantInput, budget: budget.cacheMiB * 2 ** 20, precision: budget.cachePrecision });
    const stages = (this.loaded ? 2 : 3) + (quantInput ? 1 : 0);
    let stage = 0;
    const run = async (f: (o: AdvanceOptions) => Promise<void>) => {
      const k = stage++;
      await f({ progress: (n) => progress(Math.min(count - 1, Math.floor((count * (k + n / count)) / stages)), count), signal: this.source.signal });
      this.sweep();
    };
    this.held = [];
    if (!this.loaded) {
      // float32 images where they fit beside the block's caches: the float and the quantized model start exact
      const f32 = (block.input === this.feed && precision === 'f32') || bytes + sampleCacheBytes(count, size(this.feed), 'f32') <= budget.cacheMiB * 2 ** 20;
      await run((o) => this.loadImages(f32 ? 'f32' : precision, o));
    }
    await run((o) => this.float.advance([block.input], precision, o));
    const x = this.float.get(block.input);
    this.held = [x];
    let xQ: SampleCache | null = null;
    if (quantInput) {
      await run((o) => this.quant.advance([qName], precision, o));
      xQ = this.quant.get(qName);
      this.held.push(xQ);
    }
    // the float output from the float input as carried (float32 where it was made so), then the
    // inputs in the block's precision for training
    await run((o) => this.float.advance([block.output], precision, o));
    const y = this.float.get(block.output);
    this.held.push(y);
    const caches: BlockCaches = {
      x: await this.pool.as(x, precision, `float ${block.input}`),
      xQ: xQ && (await this.pool.as(xQ, precision, `quantized ${qName}`)),
      y,
    };
    this.held = [caches.x, caches.xQ, caches.y];
    this.sweep();
    progress(count, count);
    return caches;
  }

  /** The block is done: its caches go unless a frontier still needs them. */
  release(): void {
    this.held = [];
    this.sweep();
  }

  /** Every cache goes. */
  destroy(): void {
    this.held = [];
    this.float.caches.clear();
    this.quant.caches.clear();
    this.pool.sweep([]);
  }

  private sweep(): void {
    this.pool.sweep([...this.float.caches.values(), ...this.quant.caches.values(), ...this.held]);
  }

  /** The calibration images, decoded once, as the model input of both graphs. */
  private async loadImages(precision: CachePrecision, o: AdvanceOptions): Promise<void> {
    const count = this.source.count;
    const size = this.a.shapeOf(this.feed).slice(1).reduce((p, q) => p * q, 1);
    const images = this.pool.create(`images ${this.feed}`, size, precision);
    let n = 0;
    for await (const batch of this.source.batches()) {
      if (o.signal?.cancelled) throw new StudioError('cancelled', 'reconstruction was cancelled');
      const b = Math.min(batch.shape[0], count - n);
      if (b <= 0) break;
      writeSamples(this.session.gpu, images, n, batch.data.subarray(0, b * size));
      n += b;
      o.progress?.(n);
    }
    if (n < count) throw new StudioError('bad-input', `reconstruction expected ${count} calibration images and got ${n}`);
    this.float.caches.set(this.feed, images);
    this.quant.caches.set(this.feed, images);
    this.loaded = true;
  }
}
