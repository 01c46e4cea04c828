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

export interface LossPoint {
  iter: number;
  rec: number;
  reg: number;
}

export interface BlockSummary {
  block: Block;
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
      const caches = await cacheBlock(session, analysis, block, current, input, (d, t) => events.onCache?.(block, d, t));
      const program = new BlockProgram(gpu, analysis, block, current.weights, current.acts, caches, step, {
        batch: cfg.batch,
        drop: cfg.drop,
        inputDrop: cfg.inputDrop,
        lsq: cfg.lsq,
        historyLength: cfg.historyEvery,
      });
      try {
        const summary: Omit<BlockSummary, 'block'> = await train(program, cfg, bi, step, input, (pts, done) => events.onLoss?.(block, pts, done));
        const codes = await program.hardCodes();
        const scales = cfg.lsq ? await program.scales() : new Map<string, number>();
        current = applyState(session, {
          ...current,
          weights: current.weights.map((w) => (codes.has(w.node) ? { ...w, codes: codes.get(w.node)! } : w)),
          acts: current.acts.map((a) => (scales.has(a.tensor) ? { ...a, scale: scales.get(a.tensor)! } : a)),
        });
        if (cfg.flatness) summary.flatness = await blockFlatness(gpu, analysis, block, current, caches, step, cfg.batch, cfg.flatness);
        await events.onBlockEnd?.({ block, ...summary }, current);
      } finally {
        program.destroy();
        for (const b of [caches.xFp, caches.xQ, caches.yFp]) b?.destroy();
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
): Promise<Omit<BlockSummary, 'block'>> {
  const gpu = program.gpu;
  const start = performance.now();
  const seed = (cfg.seed * 1000003 + blockIndex) >>> 0;
  const every = cfg.historyEvery;
  let firstLoss = NaN;
  let lastLoss = NaN;
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
  }
  await gpu.device.queue.onSubmittedWorkDone();
  gpu.throwErrors();
  return { iters: t, seconds: (performance.now() - start) / 1000, firstLoss, lastLoss };
}

/** Float input/output and quantized input of the block over the calibration images, on the GPU. */
async function cacheBlock(session: Session, a: ModelAnalysis, block: Block, state: QuantState, input: ReconInput, progress: (done: number, total: number) => void): Promise<BlockCaches> {
  const gpu = session.gpu;
  const feedName = session.graph.inputs[0].name;
  const xSize = a.shapeOf(block.input).slice(1).reduce((p, q) => p * q, 1);
  const ySize = a.shapeOf(block.output).slice(1).reduce((p, q) => p * q, 1);
  const count = input.count;
  const limit = gpu.limits.maxStorageBufferBindingSize;
  const biggest = 4 * count * Math.max(xSize, ySize);
  if (biggest > limit) {
    throw new StudioError(
      'bad-input',
      `block ${block.name}: caching ${count} calibration samples needs a ${(biggest / 2 ** 20).toFixed(0)} MiB buffer, above this GPU's ${(limit / 2 ** 20).toFixed(0)} MiB limit. Use fewer calibration images (at most ${Math.floor(limit / (4 * Math.max(xSize, ySize)))}) for reconstruction.`,
    );
  }
  const isSite = state.acts.some((x) => x.tensor === block.input);
  const quantInput = block.input !== feedName;
  const qName = isSite ? `${block.input}::fq` : block.input;
  const xFp = gpu.buffer(`${block.name} cache x`, 4 * count * xSize);
  const yFp = gpu.buffer(`${block.name} cache y`, 4 * count * ySize);
  const xQ = quantInput ? gpu.buffer(`${block.name} cache xq`, 4 * count * xSize) : null;
  let n = 0;
  for await (const batch of input.batches()) {
    if (input.signal?.cancelled) throw new StudioError('cancelled', 'reconstruction was cancelled');
    const b = Math.min(batch.shape[0], count - n);
    if (b <= 0) break;
    const feeds = { [feedName]: batch };
    const f = await session.inspect(feeds, [block.input, block.output]);
    gpu.write(xFp, f.get(block.input)!.data.subarray(0, b * xSize), 4 * n * xSize);
    gpu.write(yFp, f.get(block.output)!.data.subarray(0, b * ySize), 4 * n * ySize);
    if (xQ) {
      const q = await session.inspect(feeds, [qName], { quant: true });
      gpu.write(xQ, q.get(qName)!.data.subarray(0, b * xSize), 4 * n * xSize);
    }
    n += b;
    progress(n, count);
  }
  if (n < count) throw new StudioError('bad-input', `reconstruction expected ${count} calibration images and got ${n}`);
  return { xFp, xQ, yFp, count };
}
