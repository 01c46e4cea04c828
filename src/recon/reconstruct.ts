// Block-by-block reconstruction (DESIGN.md §3–§5): for each block, cache its float input, float
// output and quantized input over the calibration images, train the rounding variables V (and the
// activation step sizes) on the GPU, freeze the hard rounding, and move on with the quantized model
// updated. AdaRound = one block per layer; BRECQ = blocks, no dropping; QDrop = blocks, p = 0.5.
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import { applyState } from '../quant/calibrate';
import type { QuantState } from '../quant/types';
import { analyzeSession, sessionBlocks, type ModelAnalysis } from './analysis';
import type { Block } from './blocks';
import { BlockProgram, type BlockCaches } from './program';
import { stepBuffer, writeStep } from './step';
import { blockFlatness, type FlatnessCurve, type FlatnessOptions } from './flatness';
import { createSampleCache, destroySampleCache, planCaches, writeSamples, type CachePrecision } from './cache';

export type ReconMethod = 'nearest' | 'adaround' | 'brecq' | 'qdrop';
export const RECON_METHODS: ReconMethod[] = ['nearest', 'adaround', 'brecq', 'qdrop'];

export interface ReconConfig {
  method: ReconMethod;
  /** Iterations per block (DESIGN default 20000; the fast preset 2000). */
  iters: number;
  batch: number;
  /** Probability that an activation quantizer inside the block quantizes (QDrop p); 1 = no dropping. */
  drop: number;
  /** Probability that an input element is the quantized one (QDrop p_in). */
  inputDrop: number;
  seed: number;
  lambda: number;
  warmup: number;
  lrV: number;
  lrS: number;
  betaStart: number;
  betaEnd: number;
  /** Train activation step sizes (LSQ). */
  lsq: boolean;
  /** Read the loss history back every this many iterations. */
  historyEvery: number;
  /** After each block, the loss along random weight perturbations (DESIGN.md §6). */
  flatness?: FlatnessOptions;
  /** MiB the three caches of a block may take on the GPU. */
  cacheMiB: number;
  /** Cache storage: float32, float16, or float32 when it fits the budget and float16 otherwise. */
  cachePrecision: 'auto' | CachePrecision;
  /** End a block before `iters` once its rounding is decided and its loss is flat (earlyStopAt). */
  earlyStop: boolean;
}

export const RECON_DEFAULTS: ReconConfig = {
  method: 'qdrop',
  iters: 20000,
  batch: 32,
  drop: 0.5,
  inputDrop: 0.5,
  seed: 1005,
  lambda: 0.01,
  warmup: 0.2,
  lrV: 1e-3,
  lrS: 4e-5,
  betaStart: 20,
  betaEnd: 2,
  lsq: true,
  historyEvery: 50,
  cacheMiB: 2048,
  cachePrecision: 'auto',
  earlyStop: false,
};

/** Method defaults of the drop switches (QDrop's cases are other settings of the same two). */
export function methodDefaults(method: ReconMethod): Pick<ReconConfig, 'drop' | 'inputDrop'> {
  return method === 'qdrop' ? { drop: 0.5, inputDrop: 0.5 } : { drop: 1, inputDrop: 1 };
}

/** AdaRound β(t): 20 during warm-up, then linearly to 2 (QDrop's LinearTempDecay). */
export function betaAt(t: number, c: Pick<ReconConfig, 'iters' | 'warmup' | 'betaStart' | 'betaEnd'>): number {
  const start = c.warmup * c.iters;
  if (t < start) return c.betaStart;
  return c.betaEnd + (c.betaStart - c.betaEnd) * Math.max(0, 1 - (t - start) / (c.iters - start));
}

/** Cosine decay of the step-size learning rate to 0 over the block's iterations. */
export function lrSAt(t: number, c: Pick<ReconConfig, 'iters' | 'lrS'>): number {
  return 0.5 * c.lrS * (1 + Math.cos((Math.PI * t) / c.iters));
}

/** Early stop: windows compared (of `historyEvery` iterations each), the flatness tolerance, the undecided share. */
export const EARLY_STOP = { windows: 4, flat: 0.005, undecided: 0.01 };

/**
 * Optional early stop, checked at the end of each history window: after the warm-up, when the
 * rounding is decided — the regulariser per rounding variable, Σ(1 − |2h(V) − 1|^β) / n, below
 * EARLY_STOP.undecided at the current β (so h(V) sits at 0 or 1 almost everywhere: the soft
 * weights the loss sees are the hard ones that will be exported) — and the reconstruction loss is
 * flat: the mean of the last EARLY_STOP.windows windows is no more than EARLY_STOP.flat (relative)
 * below the mean of the windows before them. Stopping earlier, while V is undecided, would freeze
 * a rounding the loss never saw, so the loss alone never stops a block.
 * `recWindows`: mean reconstruction loss per window so far; `reg`: the last window's mean of
 * λ·Σ(1 − |2h − 1|^β); `t`: iterations done.
 */
export function earlyStopAt(recWindows: number[], reg: number, t: number, n: number, c: Pick<ReconConfig, 'iters' | 'warmup' | 'lambda'>): boolean {
  const k = EARLY_STOP.windows;
  if (t <= c.warmup * c.iters || recWindows.length < 2 * k || n <= 0 || !(c.lambda > 0)) return false;
  if (reg / (c.lambda * n) >= EARLY_STOP.undecided) return false;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const last = mean(recWindows.slice(-k));
  const before = mean(recWindows.slice(-2 * k, -k));
  return last >= before * (1 - EARLY_STOP.flat);
}

export interface LossPoint {
  iter: number;
  rec: number;
  reg: number;
}

export interface BlockSummary {
  block: Block;
  /** Storage of the block's caches. */
  cache: CachePrecision;
  iters: number;
  seconds: number;
  /** Mean reconstruction loss of the first and the last history window. */
  firstLoss: number;
  lastLoss: number;
  flatness?: FlatnessCurve;
}

export interface ReconEvents {
  onBlockStart?(block: Block, index: number, total: number): void;
  onCache?(block: Block, done: number, total: number): void;
  onLoss?(block: Block, points: LossPoint[], itersDone: number): void;
  onBlockEnd?(summary: BlockSummary, state: QuantState): void | Promise<void>;
}

export interface ReconInput {
  /** Calibration batches (called once per pass: twice per block). */
  batches: () => AsyncIterable<HostTensor> | Iterable<HostTensor>;
  /** Images in one pass. */
  count: number;
  signal?: { cancelled: boolean; paused?: boolean };
  /** Blocks already done (resuming a checkpoint): their state is in `state`. */
  startBlock?: number;
  /** Stop before this block (default: all blocks). */
  endBlock?: number;
}

/** The blocks the method reconstructs (layer-wise for AdaRound). */
export function reconBlocks(session: Session, state: QuantState, method: ReconMethod): Block[] {
  return sessionBlocks(session, state.config, method === 'adaround').blocks;
}

/** A GPU out-of-memory error as a StudioError saying what to change; other errors unchanged. */
function outOfMemory(e: unknown, what: string, advice: string): unknown {
  const m = e instanceof Error ? e.message : String(e);
  return /out of memory|outofmemory/i.test(m) ? new StudioError('bad-input', `${what}: the GPU ran out of memory. ${advice}`) : e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function reconstruct(session: Session, state: QuantState, cfg: ReconConfig, input: ReconInput, events: ReconEvents = {}): Promise<QuantState> {
  if (cfg.method === 'nearest') return state;
  const gpu = session.gpu;
  const blocks = reconBlocks(session, state, cfg.method);
  const analysis = analyzeSession(session, cfg.batch);
  const step = stepBuffer(gpu, 'recon');
  let current = applyState(session, state);
  try {
    for (let bi = input.startBlock ?? 0; bi < Math.min(blocks.length, input.endBlock ?? blocks.length); bi++) {
      const block = blocks[bi];
      events.onBlockStart?.(block, bi, blocks.length);
      if (!block.layers.some((l) => current.weights.some((w) => w.node === l))) continue;
      const caches = await cacheBlock(session, analysis, block, current, input, cfg, (d, t) => events.onCache?.(block, d, t));
      let program: BlockProgram | null = null;
      try {
        program = new BlockProgram(gpu, analysis, block, current.weights, current.acts, caches, step, {
          batch: cfg.batch,
          drop: cfg.drop,
          inputDrop: cfg.inputDrop,
          lsq: cfg.lsq,
          historyLength: cfg.historyEvery,
        });
        await gpu.device.queue.onSubmittedWorkDone();
        try {
          gpu.throwErrors();
        } catch (e) {
          throw outOfMemory(e, `block ${block.name}`, `Use a smaller reconstruction batch (now ${cfg.batch}).`);
        }
        const summary: Omit<BlockSummary, 'block' | 'cache'> = await train(program, cfg, bi, step, input, (pts, done) => events.onLoss?.(block, pts, done));
        const codes = await program.hardCodes();
        const scales = cfg.lsq ? await program.scales() : new Map<string, number>();
        current = applyState(session, {
          ...current,
          weights: current.weights.map((w) => (codes.has(w.node) ? { ...w, codes: codes.get(w.node)! } : w)),
          acts: current.acts.map((a) => (scales.has(a.tensor) ? { ...a, scale: scales.get(a.tensor)! } : a)),
        });
        if (cfg.flatness) summary.flatness = await blockFlatness(gpu, analysis, block, current, caches, step, cfg.batch, cfg.flatness);
        await events.onBlockEnd?.({ block, cache: caches.x.precision, ...summary }, current);
      } finally {
        program?.destroy();
        for (const c of [caches.x, caches.xQ, caches.y]) destroySampleCache(c);
      }
    }
  } finally {
    step.destroy();
  }
  return current;
}

async function train(
  program: BlockProgram,
  cfg: ReconConfig,
  blockIndex: number,
  step: GPUBuffer,
  input: ReconInput,
  onLoss: (points: LossPoint[], done: number) => void,
): Promise<Omit<BlockSummary, 'block' | 'cache'>> {
  const gpu = program.gpu;
  const start = performance.now();
  const seed = (cfg.seed * 1000003 + blockIndex) >>> 0;
  const every = cfg.historyEvery;
  let firstLoss = NaN;
  let lastLoss = NaN;
  const windows: number[] = [];
  const rounding = program.layers.reduce((a, l) => a + l.wq.codes.length, 0);
  let t = 0;
  for (; t < cfg.iters; t++) {
    const warm = t < cfg.warmup * cfg.iters;
    writeStep(gpu, step, {
      iter: t,
      seed,
      beta: betaAt(t, cfg),
      lambda: warm ? 0 : cfg.lambda,
      lrV: cfg.lrV,
      lrS: lrSAt(t, cfg),
      bc1: 1 - 0.9 ** (t + 1),
      bc2: 1 - 0.999 ** (t + 1),
    });
    gpu.encode(program.iteration());
    const windowEnd = (t + 1) % every === 0 || t + 1 === cfg.iters;
    if (!windowEnd) continue;
    const n = (t % every) + 1;
    const rec = await gpu.read(program.recHistory, every);
    const reg = await gpu.read(program.regHistory, every);
    const pts: LossPoint[] = [];
    for (let k = 0; k < n; k++) pts.push({ iter: t + 1 - n + k, rec: rec[k], reg: reg[k] });
    if (pts.some((p) => !Number.isFinite(p.rec))) {
      throw new StudioError('bad-input', `block ${program.block.name}: the reconstruction loss became ${pts.find((p) => !Number.isFinite(p.rec))!.rec} at iteration ${t}; try a smaller learning rate or more calibration images`);
    }
    const mean = pts.reduce((a, p) => a + p.rec, 0) / pts.length;
    if (Number.isNaN(firstLoss)) firstLoss = mean;
    lastLoss = mean;
    onLoss(pts, t + 1);
    if (input.signal?.cancelled) throw new StudioError('cancelled', 'reconstruction was cancelled');
    while (input.signal?.paused && !input.signal.cancelled) await sleep(100);
    windows.push(mean);
    const regMean = pts.reduce((a, p) => a + p.reg, 0) / pts.length;
    if (cfg.earlyStop && t + 1 < cfg.iters && earlyStopAt(windows, regMean, t + 1, rounding, cfg)) {
      t++;
      break;
    }
  }
  await gpu.device.queue.onSubmittedWorkDone();
  gpu.throwErrors();
  return { iters: t, seconds: (performance.now() - start) / 1000, firstLoss, lastLoss };
}

/**
 * Float input/output and quantized input of the block over the calibration images, on the GPU:
 * float32 or float16 (planCaches: the budget decides), chunked to the adapter's buffer limits.
 */
async function cacheBlock(
  session: Session,
  a: ModelAnalysis,
  block: Block,
  state: QuantState,
  input: ReconInput,
  cfg: Pick<ReconConfig, 'cacheMiB' | 'cachePrecision'>,
  progress: (done: number, total: number) => void,
): Promise<BlockCaches> {
  const gpu = session.gpu;
  const feedName = session.graph.inputs[0].name;
  const xSize = a.shapeOf(block.input).slice(1).reduce((p, q) => p * q, 1);
  const ySize = a.shapeOf(block.output).slice(1).reduce((p, q) => p * q, 1);
  const count = input.count;
  const isSite = state.acts.some((x) => x.tensor === block.input);
  const quantInput = block.input !== feedName;
  const qName = isSite ? `${block.input}::fq` : block.input;
  const { precision } = planCaches({ block: block.name, count, xSize, ySize, quantInput, budget: cfg.cacheMiB * 2 ** 20, precision: cfg.cachePrecision });
  const caches: BlockCaches = { x: createSampleCache(gpu, `${block.name} cache x`, count, xSize, precision), xQ: null, y: createSampleCache(gpu, `${block.name} cache y`, count, ySize, precision) };
  try {
    if (quantInput) caches.xQ = createSampleCache(gpu, `${block.name} cache xq`, count, xSize, precision);
    let n = 0;
    for await (const batch of input.batches()) {
      if (input.signal?.cancelled) throw new StudioError('cancelled', 'reconstruction was cancelled');
      const b = Math.min(batch.shape[0], count - n);
      if (b <= 0) break;
      const feeds = { [feedName]: batch };
      const f = await session.inspect(feeds, [block.input, block.output]);
      writeSamples(gpu, caches.x, n, f.get(block.input)!.data.subarray(0, b * xSize));
      writeSamples(gpu, caches.y, n, f.get(block.output)!.data.subarray(0, b * ySize));
      if (caches.xQ) {
        const q = await session.inspect(feeds, [qName], { quant: true });
        writeSamples(gpu, caches.xQ, n, q.get(qName)!.data.subarray(0, b * xSize));
      }
      n += b;
      progress(n, count);
    }
    if (n < count) throw new StudioError('bad-input', `reconstruction expected ${count} calibration images and got ${n}`);
    await gpu.device.queue.onSubmittedWorkDone();
    gpu.throwErrors();
    return caches;
  } catch (e) {
    for (const c of [caches.x, caches.xQ, caches.y]) destroySampleCache(c);
    throw outOfMemory(e, `block ${block.name}: caching ${count} calibration images in ${precision === 'f16' ? 'float16' : 'float32'}`, `Use fewer calibration images for reconstruction, or a smaller cache budget (now ${cfg.cacheMiB} MiB) so that float16 caches are chosen.`);
  }
}
