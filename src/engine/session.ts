// A loaded model ready to run on the GPU: parse → normalize → (per input shape) plan → run.
// Used by the worker, the CLI and the tests alike.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import type { Graph, Model } from '../graph/ir';
import { defaultOpset } from '../graph/ir';
import { readModel } from '../onnx/read';
import { prepareGraph } from './fold-weights';
import { DT, dtypeName } from '../onnx/dtype';
import { StudioError, isStudioError } from './errors';
import { OpError, UnsupportedError } from './ops/op';
import { isSupported } from './ops';
import { buildPlan, type ConstCache, type Plan } from './plan';
import { summarize } from './summary';
import type { HostTensor, ModelSummary } from './types';

export interface Feed extends HostTensor {
  name?: string;
  /** Element type of the values (float32 unless said); non-float feeds are folded as constants. */
  dtype?: number;
}

export interface RunOptions {
  /** Run the fake-quantized graph set by setQuant (default: float). */
  quant?: boolean;
  /** With quant: evaluate quantGraph itself (float sums, the graph reconstruction trains on), not the exact-sum graph. */
  floatSums?: boolean;
}

export class Session {
  private plans = new Map<string, Plan>();
  /** inspect's plan: one at a time (each keep list is a plan of its own). */
  private inspected: { key: string; plan: Plan } | null = null;
  private quant: Graph | null = null;
  /** What run/inspect with {quant: true} evaluate, or the function that builds it on first use. */
  private quantEval: Graph | (() => Graph) | null = null;
  private consts: ConstCache = new Map();
  private queue: Promise<unknown> = Promise.resolve();
  readonly opset: number;

  private constructor(
    readonly gpu: Gpu,
    readonly model: Model,
    readonly graph: Graph,
    readonly fileName: string,
    readonly summary: ModelSummary,
  ) {
    this.opset = defaultOpset(model);
  }

  /** Parse and prepare a model; throws StudioError for files or ops the engine cannot run. */
  static async load(gpu: Gpu, bytes: Uint8Array, fileName: string): Promise<Session> {
    return Session.fromModel(gpu, readModel(bytes, fileName), fileName);
  }

  /** Prepare an already parsed model (bytes it was read from must stay alive). */
  static async fromModel(gpu: Gpu, model: Model, fileName: string): Promise<Session> {
    const graph = prepareGraph(model.graph, defaultOpset(model));
    const unsupported = graph.nodes.filter((n) => !isSupported(n.opType, n.domain));
    if (unsupported.length) {
      const list = unsupported.map((n) => `${n.domain ? n.domain + '.' : ''}${n.opType} (node "${n.name || n.outputs[0]}")`);
      throw new StudioError(
        'unsupported-ops',
        `"${fileName}" uses ${unsupported.length} node(s) the engine cannot run: ${list.join(', ')}. Export the model without these ops (e.g. a different opset or torch.onnx.export options), or replace them with supported ones.`,
        fileName,
      );
    }
    const session = new Session(gpu, model, graph, fileName, summarize(model, graph, fileName));
    if (session.fixedInputShape(1, false)) {
      // Plan once at batch 1 so shape errors surface at load, and count the ops that really run.
      const plan = session.plan(session.graph.inputs.map((v) => ({ name: v.name, shape: session.inputShapeOf(v.name, 1), data: new Float32Array(0), dtype: v.dataType })));
      session.summary.preparedOpCounts = countOps(plan.gpuOps);
    }
    return session;
  }

  /** Sizes given for symbolic non-batch input dimensions (a dynamic-H/W model's image size), per input. */
  private givenShapes = new Map<string, number[]>();

  /** The shape input `name` runs at where its own dimensions are symbolic (the batch entry is not used). */
  setInputShape(name: string, shape: number[]): void {
    this.givenShapes.set(name, shape);
  }

  /** The concrete shape of input `name` at this batch size; throws if a non-batch dim is symbolic and no size was given. */
  inputShapeOf(name: string, batch: number): number[] {
    const given = this.givenShapes.get(name);
    const v = this.graph.inputs.find((i) => i.name === name);
    if (!v?.shape) throw new StudioError('unresolved-shape', `"${this.fileName}": input "${name}" has no declared shape. Re-export the model with a static input shape (e.g. dynamic_axes only for the batch).`, this.fileName);
    return v.shape.map((d, k) => {
      if (typeof d === 'number' && d >= 0) return d;
      if (k === 0) return batch;
      if (given?.[k] !== undefined) return given[k];
      throw new StudioError('unresolved-shape', `"${this.fileName}": input "${name}" has shape [${v.shape!.map((x) => x ?? '?').join(', ')}]; dimension ${k} ("${d ?? '?'}") cannot be resolved. Re-export with a fixed ${k === 1 ? 'channel count' : 'image size'}, or give the size explicitly.`, this.fileName);
    });
  }

  private fixedInputShape(batch: number, raise: boolean): boolean {
    try {
      for (const v of this.graph.inputs) this.inputShapeOf(v.name, batch);
      return true;
    } catch (e) {
      if (raise) throw e;
      return false;
    }
  }

  /**
   * Set (or clear) the fake-quantized variant of the graph: `graph` is what quantGraph gives (reconstruction
   * builds on it); run and inspect with {quant: true} evaluate `evalGraph`, the same function computed
   * otherwise (src/quant/apply.ts exactSumGraph), or `graph` itself. A function is called on the first
   * quantized plan only (reconstruction sets the graph after every block and evaluates at the end).
   */
  setQuant(graph: Graph | null, evalGraph: Graph | (() => Graph) | null = graph): void {
    for (const [key, p] of this.plans) {
      if (!key.startsWith('q|')) continue;
      for (const b of p.buffers) b.destroy();
      this.plans.delete(key);
    }
    if (this.inspected?.key.startsWith('q|')) this.dropInspected();
    // dequantized weights and biases are named "<name>::fq" in every calibration: drop the old ones
    for (const [key, c] of this.consts) {
      if (!key.includes('::fq')) continue;
      c.buffer.destroy();
      this.consts.delete(key);
    }
    this.quant = graph;
    this.quantEval = graph ? evalGraph : null;
  }

  private evalGraph(): Graph {
    if (typeof this.quantEval === 'function') this.quantEval = this.quantEval();
    return this.quantEval!;
  }

  get hasQuant(): boolean {
    return this.quant !== null;
  }

  /** The fake-quantized graph set by setQuant (null: none). */
  get quantGraph(): Graph | null {
    return this.quant;
  }

  private dropInspected(): void {
    for (const b of this.inspected?.plan.buffers ?? []) b.destroy();
    this.inspected = null;
  }

  /** The plan for these feeds (cached; `transient`: only until a plan with another key is asked the same way). */
  private plan(feeds: Feed[], quant = false, keep: string[] = [], transient = false, floatSums = false): Plan {
    if (quant && !this.quant) throw new StudioError('bad-input', 'no quantization is set: calibrate first', this.fileName);
    const key = `${quant ? 'q' : 'f'}|${quant && floatSums ? 'float sums|' : ''}${keep.join(',')}|` + feeds.map((f) => `${f.shape.join('x')}${f.dtype && f.dtype !== DT.FLOAT ? ':' + [...f.data].join(',') : ''}`).join('|');
    let plan = transient ? (this.inspected?.key === key ? this.inspected.plan : undefined) : this.plans.get(key);
    if (!plan) {
      if (transient) this.dropInspected();
      try {
        plan = buildPlan(
          this.gpu,
          quant ? (floatSums ? this.quant! : this.evalGraph()) : this.graph,
          this.opset,
          feeds.map((f) => ({ name: f.name ?? '', shape: f.shape, dtype: f.dtype ?? DT.FLOAT, values: f.dtype && f.dtype !== DT.FLOAT ? Float64Array.from(f.data) : undefined })),
          this.consts,
          keep,
          // constants computed from the graph's values (folded subgraphs, blocks of a split Gemm) may
          // differ between the float and the fake-quantized graph: the latter's are tagged "::fq",
          // kept apart from the float ones and dropped by the next setQuant
          quant ? '::fq' : '',
        );
      } catch (e) {
        if (isStudioError(e)) throw e;
        const msg = (e as Error).message;
        if (e instanceof UnsupportedError) throw new StudioError('unsupported-ops', `"${this.fileName}": ${msg}. The engine cannot run this model as exported.`, this.fileName);
        throw new StudioError(e instanceof OpError ? 'unresolved-shape' : 'bad-input', `"${this.fileName}": ${msg}`, this.fileName);
      }
      if (transient) this.inspected = { key, plan };
      else this.plans.set(key, plan);
    }
    return plan;
  }

  /** Run the model. Float feeds are data; feeds with another dtype are folded as constants. */
  run(feeds: Record<string, Feed>, opts: RunOptions = {}): Promise<Record<string, HostTensor>> {
    return this.serial(async () => {
      const plan = this.plan(this.checkFeeds(feeds, opts.quant), opts.quant, [], false, opts.floatSums);
      this.upload(plan, feeds);
      this.gpu.encode(plan.dispatches);
      const out: Record<string, HostTensor> = {};
      for (const o of plan.outputs) {
        out[o.name] = { shape: o.shape, data: o.values ? Float32Array.from(o.values) : await this.gpu.read(o.gpu as GpuTensor) };
      }
      return out;
    });
  }

  /** Outputs that constant folding computed on the CPU for these feeds (no GPU dispatch made them). */
  foldedOutputs(feeds: Record<string, Feed>): string[] {
    return this.plan(this.checkFeeds(feeds)).outputs.filter((o) => o.values).map((o) => o.name);
  }

  /**
   * Run the float graph and, in the same submission, the dispatches `after` builds over the kept
   * intermediate tensors (calibration observers). `after` is called once per plan; its Dispatch
   * records are cached with the plan and re-encoded on every call.
   */
  observe(feeds: Record<string, Feed>, keep: string[], after: (kept: Map<string, GpuTensor>) => Dispatch[]): Promise<void> {
    return this.serial(async () => {
      const plan = this.plan(this.checkFeeds(feeds), false, keep);
      let extra = this.observers.get(plan)?.get(after);
      if (!extra) {
        extra = after(plan.kept);
        const m = this.observers.get(plan) ?? new Map();
        m.set(after, extra);
        this.observers.set(plan, m);
      }
      this.upload(plan, feeds);
      this.gpu.encode([...plan.dispatches, ...extra]);
      await this.gpu.device.queue.onSubmittedWorkDone();
      this.gpu.throwErrors();
    });
  }

  /**
   * Read kept intermediate tensors of the float (or quantized) graph for one batch. Only the
   * dispatches up to the last of them run (the plan is in topological order and kept tensors are
   * never reused), so an early tensor costs only the model's prefix. One such plan is kept at a
   * time: asking for other tensors frees the last one's buffers.
   */
  inspect(feeds: Record<string, Feed>, names: string[], opts: RunOptions = {}): Promise<Map<string, HostTensor>> {
    return this.serial(async () => {
      const plan = this.plan(this.checkFeeds(feeds, opts.quant), opts.quant, names, true, opts.floatSums);
      this.upload(plan, feeds);
      const upTo = names.reduce((n, k) => Math.max(n, plan.readyAfter.get(k) ?? plan.dispatches.length), 0);
      this.gpu.encode(plan.dispatches.slice(0, upTo));
      const out = new Map<string, HostTensor>();
      for (const [name, t] of plan.kept) out.set(name, { shape: t.shape, data: await this.gpu.read(t) });
      return out;
    });
  }

  private observers = new WeakMap<Plan, Map<unknown, Dispatch[]>>();

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const job = this.queue.then(f);
    this.queue = job.catch(() => undefined);
    return job;
  }

  private upload(plan: Plan, feeds: Record<string, Feed>): void {
    for (const i of plan.inputs) this.gpu.write(i.tensor.buffer, feeds[i.name].data);
  }

  /** The feeds in input order; a quantized graph may declare inputs of its own (src/quant/qdq-probe.ts feeds codes). */
  private checkFeeds(feedMap: Record<string, Feed>, quant = false): (Feed & { name: string; dtype: number })[] {
    return (quant && this.quant ? this.quant : this.graph).inputs.map((v) => {
      const f = feedMap[v.name];
      if (!f) throw new StudioError('bad-input', `"${this.fileName}": input "${v.name}" was not given (the model's inputs: ${this.graph.inputs.map((i) => i.name).join(', ')})`, this.fileName);
      const declared = v.shape;
      if (declared && (declared.length !== f.shape.length || declared.some((d, k) => typeof d === 'number' && d >= 0 && d !== f.shape[k]))) {
        throw new StudioError('bad-input', `"${this.fileName}": input "${v.name}" expects shape [${declared.map((d) => d ?? '?').join(', ')}], got [${f.shape.join(', ')}]. Check the preprocessing size and channels.`, this.fileName);
      }
      if (f.data.length !== f.shape.reduce((a, b) => a * b, 1)) throw new StudioError('bad-input', `input "${v.name}": ${f.data.length} values for shape [${f.shape.join(', ')}]`, this.fileName);
      const dtype = f.dtype ?? v.dataType ?? DT.FLOAT;
      if (dtype !== DT.FLOAT && !feedMap[v.name].dtype) throw new StudioError('bad-input', `input "${v.name}" is ${dtypeName(dtype)}; give its values with dtype`, this.fileName);
      return { ...f, name: v.name, dtype };
    });
  }

  /** Free every GPU buffer this session made (the device stays). */
  dispose(): void {
    for (const p of this.plans.values()) for (const b of p.buffers) b.destroy();
    for (const c of this.consts.values()) c.buffer.destroy();
    this.dropInspected();
    this.plans.clear();
    this.consts.clear();
  }
}

export function countOps(ops: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const o of ops) c[o] = (c[o] ?? 0) + 1;
  return c;
}
