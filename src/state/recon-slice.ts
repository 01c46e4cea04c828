// Block reconstruction (AdaRound / BRECQ / QDrop): the settings, the block partition the worker
// reports, the run in progress (per-block cache and training progress, loss and flatness curves,
// pause bookkeeping for rates and ETA), the finished runs for comparison, the ablation over drop
// probabilities and the checkpoint a reload can resume from.
import { RECON_DEFAULTS, methodDefaults, type ReconConfig, type ReconMethod } from '../recon/reconstruct';
import type { BlockInfo, CachePlanInfo, ReconEvent } from '../worker/recon-api';
import { appendLoss, emptyCurve, type FlatnessCurve, type LossCurve } from './recon-curves';
import type { QuantConfig } from '../quant/types';
import type { CachePrecision } from '../recon/cache';
import type { SliceCreator } from './store';

export type ReconStatus = 'running' | 'paused' | 'done' | 'cancelled' | 'error';
export type BlockStatus = 'pending' | 'caching' | 'training' | 'done' | 'skipped' | 'restored';

export const ITER_PRESETS = { fast: 2000, paper: RECON_DEFAULTS.iters } as const;
export type IterPreset = keyof typeof ITER_PRESETS | 'custom';

export function iterPreset(iters: number): IterPreset {
  return iters === ITER_PRESETS.fast ? 'fast' : iters === ITER_PRESETS.paper ? 'paper' : 'custom';
}

export interface ReconSettings {
  method: ReconMethod;
  iters: number;
  /** Probability that an activation quantizer inside the block quantizes (QDrop p). */
  drop: number;
  /** Probability that an input element is the quantized one. */
  inputDrop: number;
  seed: number;
  batch: number;
  /**
   * Calibration images the run trains on, spread over the chosen set (DESIGN.md §2: 1024); the
   * activation ranges come from the calibration's own count (quantConfig.calibCount, 256).
   */
  images: number;
  /** Points of the flatness curve after each block (0: none) over α in [−range, range]. */
  flatnessPoints: number;
  flatnessRange: number;
  /** End a block before `iters` once its rounding is decided and its loss is flat. */
  earlyStop: boolean;
  /** GPU memory budget for a block's cached inputs and outputs (above it they are stored in float16). */
  cacheMiB: number;
}

export const DEFAULT_RECON_SETTINGS: ReconSettings = {
  method: RECON_DEFAULTS.method,
  iters: ITER_PRESETS.fast,
  ...methodDefaults(RECON_DEFAULTS.method),
  seed: RECON_DEFAULTS.seed,
  batch: RECON_DEFAULTS.batch,
  images: 1024,
  flatnessPoints: 11,
  flatnessRange: 0.5,
  earlyStop: RECON_DEFAULTS.earlyStop,
  cacheMiB: RECON_DEFAULTS.cacheMiB,
};

export interface FlatnessRequest {
  points: number;
  range: number;
}

export interface ReconBlockProgress extends BlockInfo {
  status: BlockStatus;
  cacheDone: number;
  cacheTotal: number;
  itersDone: number;
  /** Active (not paused) time spent caching and training this block, ms. */
  cacheMs: number;
  trainMs: number;
  firstLoss: number | null;
  lastLoss: number | null;
  /** Storage of the block's caches (null until it is done). */
  cache: CachePrecision | null;
  /** Why the run passed over a block with weights (its layers keep round to nearest). */
  skipped?: string;
}

export interface RunAccuracy {
  correct: number;
  labeled: number;
  agree: number;
  compared: number;
}

export interface ReconRunRecord {
  id: number;
  cfg: ReconConfig;
  flatness: FlatnessRequest | null;
  /** The calibration it started from, e.g. "W4A4 mse". */
  calib: string;
  /** Ablation group and the index of its value, when run by an ablation. */
  group: { id: number; index: number } | null;
  status: ReconStatus;
  startedAt: number;
  ms: number;
  /** Blocks restored from a checkpoint (0 for a fresh run). */
  startBlock: number;
  blocks: ReconBlockProgress[];
  curves: Record<number, LossCurve>;
  flatnessCurves: Record<number, FlatnessCurve>;
  /** Top-1 of the reconstructed model on the evaluation images (after the automatic evaluation). */
  top1: RunAccuracy | null;
  evaluating: boolean;
}

export interface ReconRun extends ReconRunRecord {
  jobId: number;
  /** Index of the block being worked on (-1 before the first). */
  current: number;
  /** Time of the last event; the active time since it is added to the block's phase at the next. */
  lastTick: number;
  /** Pause time since lastTick, and the start of the pause in progress. */
  pausedMs: number;
  pausedAt: number | null;
  /** What the run survived, e.g. "GPU device was lost during block 3 …; recreated it and resumed at block 3". */
  notices?: string[];
}

export interface Ablation {
  id: number;
  values: number[];
  /** The drop probability is applied to the input mixing too (QDrop's one p). */
  alsoInput: boolean;
  index: number;
  status: 'running' | 'done' | 'cancelled' | 'error';
  stopRequested: boolean;
}

/** What is kept about a stored checkpoint (the state itself stays in IndexedDB). */
export interface CheckpointInfo {
  modelFile: string;
  cfg: ReconConfig;
  quant: QuantConfig;
  blocks: number;
  total: number;
  savedAt: number;
}

export interface ReconSlice {
  reconSettings: ReconSettings;
  /** The partition for `reconBlocksMethod` under the current calibration. */
  reconBlocks: BlockInfo[];
  reconBlocksMethod: ReconMethod | null;
  /** Each block's planned cache storage and size for a run with the current settings (null: none asked for). */
  reconCachePlan: CachePlanInfo | null;
  reconRun: ReconRun | null;
  /** Finished runs (done), oldest first. */
  reconRuns: ReconRunRecord[];
  ablation: Ablation | null;
  ablationText: string;
  ablationAlsoInput: boolean;
  reconCheckpoint: CheckpointInfo | null;
  editReconSettings: (patch: Partial<ReconSettings>) => void;
  setReconBlocks: (method: ReconMethod, blocks: BlockInfo[]) => void;
  setReconCachePlan: (plan: CachePlanInfo | null) => void;
  startReconRun: (run: Omit<ReconRun, 'lastTick' | 'pausedMs' | 'pausedAt' | 'current' | 'status' | 'ms' | 'curves' | 'flatnessCurves' | 'top1' | 'evaluating'>) => void;
  setReconJobId: (jobId: number) => void;
  reconEvent: (jobId: number, e: ReconEvent, now: number) => void;
  setReconPaused: (paused: boolean, now: number) => void;
  finishReconRun: (status: 'done' | 'cancelled' | 'error', ms: number) => void;
  setRunEvaluating: (id: number, evaluating: boolean) => void;
  setRunAccuracy: (id: number, top1: RunAccuracy | null) => void;
  setAblationText: (text: string) => void;
  setAblationAlsoInput: (v: boolean) => void;
  startAblation: (a: Pick<Ablation, 'id' | 'values' | 'alsoInput'>) => void;
  setAblationIndex: (index: number) => void;
  requestAblationStop: () => void;
  finishAblation: (status: Ablation['status']) => void;
  setReconCheckpoint: (c: CheckpointInfo | null) => void;
  clearReconRuns: () => void;
  /** A new calibration: the old partition and run no longer apply (finished runs stay for comparison). */
  resetReconRun: () => void;
  /** A new model: nothing of the old one's reconstruction applies. */
  resetRecon: () => void;
}

/** A finished block that ran fewer iterations than the run asked for: early stop ended it. */
export function stoppedEarly(run: Pick<ReconRun, 'cfg'>, b: ReconBlockProgress): boolean {
  return b.status === 'done' && b.itersDone < run.cfg.iters;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Settings within their ranges; settings restored from older storage may lack newer fields, which take their defaults. */
export function sanitizeReconSettings(patch: Partial<ReconSettings>): ReconSettings {
  const s: ReconSettings = { ...DEFAULT_RECON_SETTINGS, ...patch };
  return {
    ...s,
    iters: Math.max(1, Math.min(1_000_000, Math.round(s.iters) || 1)),
    drop: clamp01(s.drop),
    inputDrop: clamp01(s.inputDrop),
    seed: Math.max(0, Math.round(s.seed) || 0),
    batch: Math.max(1, Math.min(1024, Math.round(s.batch) || 1)),
    images: Math.max(1, Math.min(1_000_000, Math.round(s.images) || 1)),
    flatnessPoints: Math.max(0, Math.min(101, Math.round(s.flatnessPoints) || 0)),
    flatnessRange: s.flatnessRange > 0 ? s.flatnessRange : DEFAULT_RECON_SETTINGS.flatnessRange,
    earlyStop: s.earlyStop === true,
    cacheMiB: Number.isFinite(s.cacheMiB) ? Math.max(16, Math.min(65536, Math.round(s.cacheMiB))) : DEFAULT_RECON_SETTINGS.cacheMiB,
  };
}

/** The blocks at the start of a run: the first `start` restored from a checkpoint. */
export function initialBlocks(blocks: BlockInfo[], start: number): ReconBlockProgress[] {
  return blocks.map((b) => ({
    ...b,
    status: b.index < start ? 'restored' : 'pending',
    cacheDone: 0,
    cacheTotal: 0,
    itersDone: 0,
    cacheMs: 0,
    trainMs: 0,
    firstLoss: null,
    lastLoss: null,
    cache: null,
  }));
}

const placeholder = (index: number): BlockInfo => ({ index, name: `block ${index + 1}`, kind: 'layer', layers: [], acts: 0 });

/** The run after one event from the worker (a new object; blocks and curves copied where they change). */
export function applyReconEvent(run: ReconRun, e: ReconEvent, now: number): ReconRun {
  if (e.type === 'checkpoint') return run;
  // the active time since the last event goes to the phase the block was in
  const active = Math.max(0, (run.pausedAt ?? now) - run.lastTick - run.pausedMs);
  const next: ReconRun = { ...run, lastTick: now, pausedMs: 0, pausedAt: run.pausedAt === null ? null : now };
  const blocks = run.blocks.slice();
  const cur = run.current >= 0 ? blocks[run.current] : undefined;
  if (cur && (cur.status === 'caching' || cur.status === 'training')) {
    blocks[run.current] = cur.status === 'caching' ? { ...cur, cacheMs: cur.cacheMs + active } : { ...cur, trainMs: cur.trainMs + active };
  }
  const at = (i: number) => blocks[i] ?? initialBlocks([placeholder(i)], 0)[0];
  next.blocks = blocks;
  switch (e.type) {
    case 'block-start': {
      for (let i = blocks.length; i < e.total; i++) blocks.push(initialBlocks([placeholder(i)], 0)[0]);
      // a block without quantized weights is passed over without events
      for (let i = run.startBlock; i < e.block; i++) if (blocks[i].status === 'pending' || blocks[i].status === 'caching') blocks[i] = { ...blocks[i], status: 'skipped' };
      blocks[e.block] = { ...at(e.block), status: 'caching' };
      next.current = e.block;
      break;
    }
    case 'cache': {
      const b = at(e.block);
      blocks[e.block] = { ...b, status: e.done >= e.total ? 'training' : 'caching', cacheDone: e.done, cacheTotal: e.total };
      next.current = e.block;
      break;
    }
    case 'loss': {
      const b = at(e.block);
      blocks[e.block] = { ...b, status: 'training', itersDone: e.itersDone };
      next.curves = { ...run.curves, [e.block]: appendLoss(run.curves[e.block], e.points) };
      next.current = e.block;
      break;
    }
    case 'block-end': {
      const b = at(e.block);
      if (e.skipped) {
        blocks[e.block] = { ...b, status: 'skipped', skipped: e.skipped };
        next.notices = [...(run.notices ?? []), `Block ${e.block + 1} (${b.name}) passed over: ${e.skipped}.`];
        break;
      }
      blocks[e.block] = { ...b, status: 'done', itersDone: e.iters, firstLoss: e.firstLoss, lastLoss: e.lastLoss, cache: e.cache };
      const c = run.curves[e.block];
      // the bucket being filled becomes a (narrower) point of its own
      if (c?.pending) next.curves = { ...run.curves, [e.block]: { ...c, points: [...c.points, { iter: c.pending.iter / c.pending.n, rec: c.pending.rec / c.pending.n, reg: c.pending.reg / c.pending.n }], pending: null } };
      else if (!c) next.curves = { ...run.curves, [e.block]: emptyCurve() };
      break;
    }
    case 'recovered': {
      // the block starts again on the new device: its curve and progress too
      blocks[e.block] = { ...at(e.block), status: 'pending', itersDone: 0, cacheDone: 0 };
      next.curves = { ...run.curves, [e.block]: emptyCurve() };
      next.notices = [...(run.notices ?? []), e.message];
      break;
    }
    case 'flatness':
      next.flatnessCurves = { ...run.flatnessCurves, [e.block]: { alphas: e.alphas, losses: e.losses } };
      break;
  }
  return next;
}

/** Iterations done and to do in this run (blocks passed over count as done). */
export function runIterations(run: ReconRunRecord): { done: number; total: number } {
  const todo = run.blocks.filter((b) => b.index >= run.startBlock);
  if (run.cfg.method === 'nearest') return { done: 0, total: 0 };
  const done = todo.reduce((a, b) => a + (b.status === 'done' || b.status === 'skipped' ? run.cfg.iters : b.itersDone), 0);
  return { done, total: todo.length * run.cfg.iters };
}

/** Estimated time left (ms) in the current block and in the whole run, from the measured rates; NaN while unknown. */
export function reconEta(run: ReconRun, now: number): { block: number; overall: number } {
  const iters = run.cfg.iters;
  const since = Math.max(0, (run.pausedAt ?? now) - run.lastTick - run.pausedMs);
  const measured = run.blocks.filter((b) => b.trainMs > 0 && b.itersDone > 0);
  const rate = measured.reduce((a, b) => a + b.itersDone, 0) / measured.reduce((a, b) => a + b.trainMs, 0); // iterations per ms
  const cached = run.blocks.filter((b) => b.status === 'training' || b.status === 'done');
  const cacheMs = cached.length ? cached.reduce((a, b) => a + b.cacheMs, 0) / cached.length : NaN;
  const cur = run.current >= 0 ? run.blocks[run.current] : undefined;
  if (!cur || !(rate > 0)) return { block: NaN, overall: NaN };
  let block: number;
  if (cur.status === 'caching') {
    const cacheLeft = cur.cacheDone > 0 && cur.cacheTotal ? ((cur.cacheMs + since) / cur.cacheDone) * (cur.cacheTotal - cur.cacheDone) : cacheMs;
    block = Math.max(0, cacheLeft - (cur.cacheDone > 0 ? 0 : since)) + iters / rate;
  } else if (cur.status === 'training') {
    const curRate = cur.trainMs > 0 && cur.itersDone > 0 ? cur.itersDone / cur.trainMs : rate;
    block = Math.max(0, (iters - cur.itersDone) / curRate - since);
  } else block = 0;
  const rest = run.blocks.filter((b) => b.index > run.current && b.status === 'pending').length;
  const perBlock = (Number.isFinite(cacheMs) ? cacheMs : 0) + iters / rate;
  return { block, overall: block + rest * perBlock };
}

/** A calibration in a few characters, e.g. "W4A4 mse". */
export const calibLabel = (c: QuantConfig) => `W${c.wBits}A${c.aBits} ${c.wObserver === c.aObserver ? c.wObserver : `${c.wObserver}/${c.aObserver}`}`;

const updateRecord = (s: ReconSlice, id: number, patch: Partial<ReconRunRecord>) => ({
  reconRuns: s.reconRuns.map((r) => (r.id === id ? { ...r, ...patch } : r)),
  reconRun: s.reconRun?.id === id ? { ...s.reconRun, ...patch } : s.reconRun,
});

export const createReconSlice: SliceCreator<ReconSlice> = (set) => ({
  reconSettings: DEFAULT_RECON_SETTINGS,
  reconBlocks: [],
  reconBlocksMethod: null,
  reconCachePlan: null,
  reconRun: null,
  reconRuns: [],
  ablation: null,
  ablationText: '1, 0.75, 0.5, 0.25',
  ablationAlsoInput: true,
  reconCheckpoint: null,
  editReconSettings: (patch) =>
    set((s) => {
      // a method brings its own drop switches (QDrop's cases are other settings of them)
      const methodPatch = patch.method && patch.method !== s.reconSettings.method ? methodDefaults(patch.method) : {};
      return { reconSettings: sanitizeReconSettings({ ...s.reconSettings, ...methodPatch, ...patch }) };
    }),
  setReconBlocks: (reconBlocksMethod, reconBlocks) => set({ reconBlocks, reconBlocksMethod }),
  setReconCachePlan: (reconCachePlan) => set({ reconCachePlan }),
  startReconRun: (run) =>
    set({ reconRun: { ...run, status: 'running', ms: 0, current: -1, lastTick: run.startedAt, pausedMs: 0, pausedAt: null, curves: {}, flatnessCurves: {}, top1: null, evaluating: false } }),
  setReconJobId: (jobId) => set((s) => (s.reconRun ? { reconRun: { ...s.reconRun, jobId } } : {})),
  reconEvent: (jobId, e, now) =>
    set((s) => {
      if (!s.reconRun || s.reconRun.jobId !== jobId) return {};
      const reconRun = applyReconEvent(s.reconRun, e, now);
      if (s.reconRun.status === 'running' || s.reconRun.status === 'paused') return { reconRun };
      // a late event (the worker's callbacks and its result travel on different message ports)
      const { blocks, curves, flatnessCurves } = reconRun;
      return { reconRun, reconRuns: s.reconRuns.map((r) => (r.id === reconRun.id ? { ...r, blocks, curves, flatnessCurves } : r)) };
    }),
  setReconPaused: (paused, now) =>
    set((s) => {
      const r = s.reconRun;
      if (!r || (r.status !== 'running' && r.status !== 'paused') || paused === (r.status === 'paused')) return {};
      if (paused) return { reconRun: { ...r, status: 'paused', pausedAt: now } };
      return { reconRun: { ...r, status: 'running', pausedAt: null, pausedMs: r.pausedMs + (now - (r.pausedAt ?? now)) } };
    }),
  finishReconRun: (status, ms) =>
    set((s) => {
      const r = s.reconRun;
      if (!r) return {};
      // blocks still in progress stay as they were, marked by the run's status
      const run: ReconRun = { ...r, status, ms, pausedAt: null };
      const { jobId: _j, current: _c, lastTick: _l, pausedMs: _p, pausedAt: _a, ...record } = run;
      return { reconRun: run, reconRuns: status === 'done' ? [...s.reconRuns, record] : s.reconRuns };
    }),
  setRunEvaluating: (id, evaluating) => set((s) => updateRecord(s, id, { evaluating })),
  setRunAccuracy: (id, top1) => set((s) => updateRecord(s, id, { top1, evaluating: false })),
  setAblationText: (ablationText) => set({ ablationText }),
  setAblationAlsoInput: (ablationAlsoInput) => set({ ablationAlsoInput }),
  startAblation: (a) => set({ ablation: { ...a, index: 0, status: 'running', stopRequested: false } }),
  setAblationIndex: (index) => set((s) => (s.ablation ? { ablation: { ...s.ablation, index } } : {})),
  requestAblationStop: () => set((s) => (s.ablation?.status === 'running' ? { ablation: { ...s.ablation, stopRequested: true } } : {})),
  finishAblation: (status) => set((s) => (s.ablation ? { ablation: { ...s.ablation, status, stopRequested: false } } : {})),
  setReconCheckpoint: (reconCheckpoint) => set({ reconCheckpoint }),
  clearReconRuns: () => set((s) => ({ reconRuns: [], ablation: s.ablation?.status === 'running' ? s.ablation : null })),
  resetReconRun: () => set({ reconRun: null, reconBlocks: [], reconBlocksMethod: null, reconCachePlan: null }),
  resetRecon: () => set({ reconRun: null, reconBlocks: [], reconBlocksMethod: null, reconCachePlan: null, reconRuns: [], ablation: null, reconCheckpoint: null }),
});
