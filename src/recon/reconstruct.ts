// Block-by-block reconstruction (DESIGN.md §3–§5): for each block, cache its float input, float
// output and quantized input over the calibration images, train the rounding variables V (and the
// activation step sizes) on the GPU, freeze the hard rounding, and move on with the quantized model
// updated. AdaRound = one block per layer; BRECQ = blocks, no dropping; QDrop = blocks, p = 0.5.
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import { applyState } from '../quant/calibrate';
import type { QuantState } from '../quant/types';
import { analyzeSession, sessionBlocks } from './analysis';
import type { Block } from './blocks';
import { BlockProgram } from './program';
import { stepBuffer, stepRing, writeSteps, STEP_BYTES, type StepValues } from './step';
import { blockFlatness, type FlatnessCurve, type FlatnessOptions } from './flatness';
import type { CachePrecision } from './cache';
import { RunCaches } from './block-caches';
import { planBlockCaches, unbindableLayer } from './cache-plan';
import { lostAt } from '../gpu/device-loss';

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
  /** Training seconds (the iterations and their loss read-backs). */
  seconds: number;
  /** Seconds before training: the block's caches (from the block before, or the images) and its program. */
  cacheSeconds: number;
  /** Mean reconstruction loss of the first and the last history window (NaN when skipped). */
  firstLoss: number;
  lastLoss: number;
  flatness?: FlatnessCurve;
  /** Why the block was passed over, its layers keeping round to nearest (nothing cached or trained). */
  skipped?: string;
}

export interface ReconEvents {
  onBlockStart?(block: Block, index: number, total: number): void;
  onCache?(block: Block, done: number, total: number): void;
  onLoss?(block: Block, points: LossPoint[], itersDone: number): void;
  onBlockEnd?(summary: BlockSummary, state: QuantState): void | Promise<void>;
}

export interface ReconInput {
  /** Calibration batches (read once per run: the images are kept on the GPU as long as needed). */
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
  // every block's caches checked against the budget before anything is allocated
  const trained = new Map(state.weights.map((w) => [w.node, w.codes.length]));
  const limit = gpu.device.limits.maxStorageBufferBindingSize;
  const skip = (b: Block) => unbindableLayer(b, (l) => trained.get(l), limit);
  const plan = planBlockCaches(blocks, analysis.shapeOf, session.graph.inputs[0].name, (l) => trained.has(l), { ...cfg, count: input.count, startBlock: input.startBlock, endBlock: input.endBlock, skip });
  if (plan.error) throw plan.error;
  const step = stepBuffer(gpu, 'recon');
  const ring = stepRing(gpu, cfg.historyEvery, 'recon');
  let current = applyState(session, state);
  const caching = new RunCaches(session, analysis, input);
  let bi = input.startBlock ?? 0;
  try {
    for (; bi < Math.min(blocks.length, input.endBlock ?? blocks.length); bi++) {
      const block = blocks[bi];
      events.onBlockStart?.(block, bi, blocks.length);
      if (!block.layers.some((l) => current.weights.some((w) => w.node === l))) continue;
      const skipped = skip(block);
      if (skipped) {
        await events.onBlockEnd?.({ block, cache: 'f32', iters: 0, seconds: 0, cacheSeconds: 0, firstLoss: NaN, lastLoss: NaN, skipped }, current);
        continue;
      }
      const cacheStart = performance.now();
      let caches;
      try {
        caches = await caching.block(block, current, cfg, (d, t) => events.onCache?.(block, d, t));
        await gpu.device.queue.onSubmittedWorkDone();
        gpu.throwErrors();
      } catch (e) {
        throw outOfMemory(e, `block ${block.name}: caching ${input.count} calibration images`, `Use fewer calibration images for reconstruction, or a smaller cache budget (now ${cfg.cacheMiB} MiB) so that float16 caches are chosen.`);
      }
      let program: BlockProgram | null = null;
      let summary: BlockSummary;
      const mark = gpu.mark();
      try {
        try {
          program = new BlockProgram(gpu, analysis, block, current.weights, current.acts, caches, step, {
            batch: cfg.batch,
            drop: cfg.drop,
            inputDrop: cfg.inputDrop,
            lsq: cfg.lsq,
            historyLength: cfg.historyEvery,
          });
          await gpu.device.queue.onSubmittedWorkDone();
          gpu.throwErrors();
        } catch (e) {
          if (!program) for (const b of gpu.madeSince(mark)) b.destroy();
          throw outOfMemory(e, `block ${block.name}`, `Use a smaller reconstruction batch (now ${cfg.batch}).`);
        }
        const cacheSeconds = (performance.now() - cacheStart) / 1000;
        const trained = await train(program, cfg, bi, step, ring, input, (pts, done) => events.onLoss?.(block, pts, done));
        const codes = await program.hardCodes();
        const scales = cfg.lsq ? await program.scales() : new Map<string, number>();
        current = applyState(session, {
          ...current,
          weights: current.weights.map((w) => (codes.has(w.node) ? { ...w, codes: codes.get(w.node)! } : w)),
          acts: current.acts.map((a) => (scales.has(a.tensor) ? { ...a, scale: scales.get(a.tensor)! } : a)),
        });
        caching.quantChanged();
        summary = { block, cache: caches.x.precision, cacheSeconds, ...trained };
        if (cfg.flatness) summary.flatness = await blockFlatness(gpu, analysis, block, current, caches, step, cfg.batch, cfg.flatness);
      } finally {
        program?.destroy();
        caching.release();
      }
      await events.onBlockEnd?.(summary, current);
    }
  } catch (e) {
    // a lost device names the block it hit; blocks before it are finished (onBlockEnd had their state)
    throw lostAt(e, { phase: 'reconstruction', block: bi, blockName: blocks[bi]?.name });
  } finally {
    caching.destroy();
    step.destroy();
    ring.destroy();
  }
  return current;
}

/**
 * Train the block: one command encoder and one submission per history window (the window's Step
 * values written at once into `ring`, each iteration's copied into the Step uniform before its
 * dispatches), the loss history read back at the window's end.
 */
async function train(
  program: BlockProgram,
  cfg: ReconConfig,
  blockIndex: number,
  step: GPUBuffer,
  ring: GPUBuffer,
  input: ReconInput,
  onLoss: (points: LossPoint[], done: number) => void,
): Promise<Omit<BlockSummary, 'block' | 'cache' | 'cacheSeconds'>> {
  const gpu = program.gpu;
  const start = performance.now();
  const seed = (cfg.seed * 1000003 + blockIndex) >>> 0;
  const every = cfg.historyEvery;
  let firstLoss = NaN;
  let lastLoss = NaN;
  const windows: number[] = [];
  const rounding = program.layers.reduce((a, l) => a + l.wq.codes.length, 0);
  const iteration = program.iteration();
  let t = 0;
  while (t < cfg.iters) {
    const n = Math.min(every - (t % every), cfg.iters - t);
    const steps: StepValues[] = [];
    for (let k = t; k < t + n; k++) {
      const warm = k < cfg.warmup * cfg.iters;
      steps.push({ iter: k, seed, beta: betaAt(k, cfg), lambda: warm ? 0 : cfg.lambda, lrV: cfg.lrV, lrS: lrSAt(k, cfg), bc1: 1 - 0.9 ** (k + 1), bc2: 1 - 0.999 ** (k + 1) });
    }
    writeSteps(gpu, ring, steps);
    // One submission per iteration, not per window: in Chrome a long submission (a window of 50
    // iterations is seconds on a CPU adapter) holds the GPU process, and the page's own thread
    // stalls with it (the e2e test measured 550-790 ms timer gaps; per iteration, < 200 ms). The
    // window's Step values are still written once; a command encoder is all an iteration creates.
    for (let k = 0; k < n; k++) {
      const enc = gpu.device.createCommandEncoder({ label: `${program.block.name} iteration ${t + k}` });
      enc.copyBufferToBuffer(ring, k * STEP_BYTES, step, 0, STEP_BYTES);
      gpu.encode(iteration, enc);
      gpu.device.queue.submit([enc.finish()]);
    }
    t += n;
    const rec = await gpu.read(program.recHistory, every);
    const reg = await gpu.read(program.regHistory, every);
    const pts: LossPoint[] = [];
    // slot of iteration k: k % every; this window's iterations are t − n … t − 1
    for (let k = t - n; k < t; k++) pts.push({ iter: k, rec: rec[k % every], reg: reg[k % every] });
    if (pts.some((p) => !Number.isFinite(p.rec))) {
      const bad = pts.find((p) => !Number.isFinite(p.rec))!;
      const { name, layers } = program.block;
      const named = layers.length === 1 && name.includes(layers[0]) ? name : `${name} (${layers.length === 1 ? 'layer' : 'layers'} ${layers.join(', ')})`;
      throw new StudioError('bad-input', `block ${named}: the reconstruction loss became ${bad.rec} at iteration ${bad.iter}; try a smaller learning rate or more calibration images`);
    }
    const mean = pts.reduce((a, p) => a + p.rec, 0) / pts.length;
    if (Number.isNaN(firstLoss)) firstLoss = mean;
    lastLoss = mean;
    onLoss(pts, t);
    if (input.signal?.cancelled) throw new StudioError('cancelled', 'reconstruction was cancelled');
    while (input.signal?.paused && !input.signal.cancelled) await sleep(100);
    windows.push(mean);
    const regMean = pts.reduce((a, p) => a + p.reg, 0) / pts.length;
    if (cfg.earlyStop && t < cfg.iters && earlyStopAt(windows, regMean, t, rounding, cfg)) break;
  }
  await gpu.device.queue.onSubmittedWorkDone();
  gpu.throwErrors();
  return { iters: t, seconds: (performance.now() - start) / 1000, firstLoss, lastLoss };
}
