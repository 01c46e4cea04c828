// Reconstruction jobs: run AdaRound / BRECQ / QDrop in the worker on the calibration images with
// the loss streaming into the store, pause/resume/cancel it, evaluate each finished run, queue an
// ablation over drop probabilities, and keep a checkpoint per block in IndexedDB for a reload.
import { StudioError } from '../../engine/errors';
import { RECON_DEFAULTS, type ReconConfig } from '../../recon/reconstruct';
import type { BlockInfo, ReconCheckpoint } from '../../worker/recon-api';
import type { AppContext, StudioState } from '../store';
import { pickCalibration, type CalibImage } from '../quant-config-slice';
import type { CalibrationResult } from '../quant-results-slice';
import { anyJobRunning, selectEvalStats } from '../quant-selectors';
import { calibLabel, initialBlocks, runIterations, type FlatnessRequest, type ReconSettings } from '../recon-slice';
import { checkpointFits, checkpointInfo, identityProblem, idbCheckpoints, type CheckpointStore, type StoredCheckpoint } from '../recon-checkpoints';
import { imageSetHash } from '../content-hash';
import { cancelJob, runJob } from './job-control';
import { evaluateModel } from './quantize';

let pageStore: CheckpointStore | null = null;
const checkpoints = (ctx: AppContext): CheckpointStore => ctx.checkpoints ?? (pageStore ??= idbCheckpoints());

let lastRunId = 0;
let lastGroupId = 0;

/** The calibration reconstruction starts from (the worker keeps it): the current one, or what it reconstructed. */
export function baseCalibration(s: StudioState): CalibrationResult | null {
  return s.calibration?.recon?.base ?? s.calibration;
}

/** Read the loss back about ten times a block (at most every 50 iterations, DESIGN's window). */
export function historyEvery(iters: number): number {
  return Math.max(1, Math.min(RECON_DEFAULTS.historyEvery, Math.floor(iters / 10)));
}

export function reconConfigOf(s: ReconSettings): ReconConfig {
  return { ...RECON_DEFAULTS, method: s.method, iters: s.iters, batch: s.batch, drop: s.drop, inputDrop: s.inputDrop, seed: s.seed, historyEvery: historyEvery(s.iters), earlyStop: s.earlyStop, cacheMiB: s.cacheMiB };
}

export function flatnessOf(s: ReconSettings): FlatnessRequest | null {
  return s.flatnessPoints > 0 ? { points: s.flatnessPoints, range: s.flatnessRange } : null;
}

/** "1, 0.75, 0.5" → [1, 0.75, 0.5]; undefined unless every value is a probability in (0, 1]. */
export function parseDropList(text: string): number[] | undefined {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const xs = parts.map(Number);
  return xs.length > 0 && xs.length <= 16 && xs.every((x) => Number.isFinite(x) && x > 0 && x <= 1) ? xs : undefined;
}

function refuse(ctx: AppContext, title: string, why: string): false {
  ctx.store.getState().pushError(title, new StudioError('bad-input', why));
  return false;
}

/** The images reconstruction trains on: `reconSettings.images` of the calibration set, spread over it (calibration itself uses `quantConfig.calibCount`). */
export function reconImages(s: Pick<StudioState, 'calibImages' | 'reconSettings'>): CalibImage[] {
  return pickCalibration(s.calibImages, s.reconSettings.images);
}

let asked = 0;

/** Ask the worker for the block partition of the calibrated model under the chosen method. */
export async function refreshReconBlocks(ctx: AppContext): Promise<void> {
  const st = ctx.store.getState();
  const method = st.reconSettings.method;
  const ticket = ++asked;
  if (!baseCalibration(st)) return;
  try {
    const blocks = await ctx.engine.reconBlocks(method);
    if (ticket === asked) ctx.store.getState().setReconBlocks(method, blocks);
  } catch (e) {
    if (ticket === asked) ctx.store.getState().pushError('Could not partition the model into blocks', e);
  }
}

let planned = 0;

/** Ask the worker for the cache plan of a run with the current settings: each block's storage and size, shown before Run. */
export async function refreshCachePlan(ctx: AppContext): Promise<void> {
  const st = ctx.store.getState();
  const ticket = ++planned;
  const base = baseCalibration(st);
  const { method, cacheMiB } = st.reconSettings;
  const count = base ? reconImages(st).length : 0;
  if (!base || !st.preset || !count || method === 'nearest') return st.setReconCachePlan(null);
  // a running reconstruction keeps its plan; the next settings are planned when it ends
  if (st.jobs.recon.status === 'running') return;
  const settings = { method, cacheMiB, cachePrecision: RECON_DEFAULTS.cachePrecision, count };
  try {
    const plan = await ctx.engine.reconCachePlan({ ...settings, preset: st.preset });
    if (ticket === planned) ctx.store.getState().setReconCachePlan(plan);
  } catch (e) {
    const message = `Could not plan the caches: ${e instanceof Error ? e.message : String(e)}`;
    if (ticket === planned) ctx.store.getState().setReconCachePlan({ ...settings, budget: cacheMiB * 2 ** 20, blocks: [], peak: 0, message });
  }
}

/** The offer to resume: the stored checkpoint of the loaded model, if any. */
export async function loadCheckpointInfo(ctx: AppContext): Promise<void> {
  const file = ctx.store.getState().model?.fileName;
  if (!file) return;
  try {
    const c = await checkpoints(ctx).load(file);
    if (ctx.store.getState().model?.fileName === file) ctx.store.getState().setReconCheckpoint(c ? checkpointInfo(c) : null);
  } catch (e) {
    ctx.store.getState().pushError('Could not read the saved reconstruction checkpoint', e);
  }
}

export async function discardCheckpoint(ctx: AppContext): Promise<void> {
  const file = ctx.store.getState().model?.fileName;
  if (file) await checkpoints(ctx).clear(file).catch(() => undefined);
  ctx.store.getState().setReconCheckpoint(null);
}

interface RunOptions {
  cfg?: ReconConfig;
  flatness?: FlatnessRequest | null;
  group?: { id: number; index: number };
  resume?: StoredCheckpoint;
  /** The calibration images' identity, when the caller hashed them already. */
  calibSha256?: string;
}

/** The quantized top-1 (and agreement) of the current evaluation, for a run's record. */
function accuracyNow(s: StudioState) {
  const ev = selectEvalStats(s);
  return ev.done ? { correct: ev.quantCorrect, labeled: ev.labeled, agree: ev.agree, compared: ev.compared } : null;
}

/**
 * One reconstruction run from the calibrated state (or a checkpoint). On success the worker's
 * quantized model is the reconstructed one: the calibration is marked so, and the run is evaluated
 * when evaluation images are loaded. Resolves true when the run finished (and was evaluated).
 */
export async function runReconstruction(ctx: AppContext, opts: RunOptions = {}): Promise<boolean> {
  const st = ctx.store.getState();
  const title = 'Reconstruction failed';
  if (anyJobRunning(st)) return false;
  const base = baseCalibration(st);
  if (!base || !st.model) return refuse(ctx, 'Cannot reconstruct yet', 'Calibrate first: reconstruction starts from the calibrated model.');
  if (!st.preset) return refuse(ctx, 'Cannot reconstruct yet', 'Set the preprocessing for the model input first.');
  const images = reconImages(st);
  if (!images.length) return refuse(ctx, 'Cannot reconstruct yet', 'Choose calibration images first: reconstruction trains on them.');
  const cfg = opts.cfg ?? reconConfigOf(st.reconSettings);
  const flatness = opts.flatness !== undefined ? opts.flatness : flatnessOf(st.reconSettings);
  const preset = st.preset;
  const modelFile = st.model.fileName;
  const modelSha256 = st.modelSha256 ?? undefined;
  const start = opts.resume?.blocks ?? 0;
  const calibSha256 = opts.calibSha256 ?? (await imageSetHash(images));

  let blocks: BlockInfo[];
  try {
    blocks = st.reconBlocksMethod === cfg.method && st.reconBlocks.length ? st.reconBlocks : await ctx.engine.reconBlocks(cfg.method);
  } catch (e) {
    st.pushError(title, e);
    return false;
  }
  const id = ++lastRunId;
  const startedAt = Date.now();
  ctx.store.getState().startReconRun({ id, jobId: 0, cfg, flatness, calib: calibLabel(base.config), group: opts.group ?? null, startedAt, startBlock: start, blocks: initialBlocks(blocks, start) });
  const store = checkpoints(ctx);
  let saving: Promise<unknown> = Promise.resolve();
  /** Set when the run has finished: its checkpoint is cleared, late ones are not stored again. */
  let finished = false;
  const save = (c: ReconCheckpoint, total: number) => {
    // the worker's events and its result travel on different message ports: one may come late
    if (finished || c.blocks >= total) return;
    const rec: StoredCheckpoint = { modelFile, modelSha256, calibSha256, calibCount: images.length, cfg, flatness, quant: base.config, presetId: preset.id, blocks: c.blocks, total, savedAt: Date.now(), checkpoint: c };
    saving = saving
      .then(() => (finished ? undefined : store.save(rec)))
      .then(
        () => {
          if (!finished && ctx.store.getState().model?.fileName === modelFile) ctx.store.getState().setReconCheckpoint(checkpointInfo(rec));
        },
        (e) => ctx.store.getState().pushError('Could not save the reconstruction checkpoint', e),
      );
  };

  let weightSqnr: Record<string, number> | undefined; // the reconstructed weights' SQNR, per layer
  const ok = await runJob(ctx, 'recon', title, runIterations(ctx.store.getState().reconRun!).total, async (jobId) => {
    ctx.store.getState().setReconJobId(jobId);
    const r = await ctx.engine.reconstruct({ jobId, images: images.map((im) => ({ id: im.id, name: im.name, blob: im.blob })), preset, batchSize: st.batchSize, cfg, flatness: flatness ?? undefined, resume: opts.resume?.checkpoint }, (e) => {
      const s = ctx.store.getState();
      if (s.reconRun?.jobId !== jobId) return;
      s.reconEvent(jobId, e, Date.now());
      const run = ctx.store.getState().reconRun!;
      if (e.type === 'checkpoint') save(e.checkpoint, run.blocks.length);
      if (s.jobs.recon.jobId === jobId) {
        const { done, total } = runIterations(run);
        const b = run.blocks[run.current];
        const phase = b ? `block ${b.index + 1} of ${run.blocks.length}${b.status === 'caching' ? ` · caching ${b.cacheDone}/${b.cacheTotal || images.length}` : ''}` : undefined;
        s.progressJob('recon', done, total, phase);
      }
    });
    weightSqnr = r.weightSqnr;
    return r;
  });

  const s = ctx.store.getState();
  const job = s.jobs.recon;
  const status = job.status === 'done' ? 'done' : job.status === 'cancelled' ? 'cancelled' : 'error';
  finished = status === 'done';
  if (s.reconRun?.id !== id) return false;
  s.finishReconRun(status, Date.now() - startedAt);
  const current = baseCalibration(s) === base; // not recalibrated, no other model meanwhile
  if (status !== 'done') {
    // the worker went back to the calibrated model; the checkpoint stays for "Resume"
    if (current && s.calibration !== base) s.setCalibration(base);
    await saving;
    return false;
  }
  const rows = base.rows.map((r) => (r.weight && weightSqnr?.[r.name] !== undefined ? { ...r, weight: { ...r.weight, sqnrDb: weightSqnr[r.name] } } : r));
  if (current) s.setCalibration({ ...base, rows, recon: { base, runId: id, cfg } });
  await saving;
  await store.clear(modelFile).catch(() => undefined);
  if (ctx.store.getState().model?.fileName === modelFile) ctx.store.getState().setReconCheckpoint(null);
  if (!current || !ctx.store.getState().images.length) return ok;
  s.setRunEvaluating(id, true);
  const evaluated = await evaluateModel(ctx);
  const after = ctx.store.getState();
  after.setRunAccuracy(id, evaluated && after.jobs.eval.status === 'done' ? accuracyNow(after) : null);
  return ok && evaluated;
}

/** Continue the stored checkpoint of this model (same configuration as its calibration). */
export async function resumeReconstruction(ctx: AppContext): Promise<boolean> {
  const st = ctx.store.getState();
  const base = baseCalibration(st);
  if (!st.model || !base) return refuse(ctx, 'Cannot resume yet', 'Calibrate first (with the configuration the checkpoint was made with).');
  const c = await checkpoints(ctx).load(st.model.fileName);
  if (!c) {
    st.setReconCheckpoint(null);
    return refuse(ctx, 'Nothing to resume', `No saved reconstruction checkpoint for ${st.model.fileName}.`);
  }
  if (!checkpointFits(c, base.config)) return refuse(ctx, 'Cannot resume this checkpoint', `It was made after calibrating ${calibLabel(c.quant)}; calibrate with that configuration first.`);
  const images = reconImages(st);
  const calibSha256 = await imageSetHash(images);
  const problem = identityProblem(c, st.modelSha256, calibSha256, images.length);
  if (problem) return refuse(ctx, 'Cannot resume this checkpoint', problem);
  return runReconstruction(ctx, { cfg: c.cfg, flatness: c.flatness, resume: c, calibSha256 });
}

export async function pauseReconstruction(ctx: AppContext, paused: boolean): Promise<void> {
  const st = ctx.store.getState();
  const run = st.reconRun;
  if (!run || st.jobs.recon.status !== 'running' || st.jobs.recon.jobId !== run.jobId) return;
  await ctx.engine.pauseRecon(run.jobId, paused);
  ctx.store.getState().setReconPaused(paused, Date.now());
}

/** Stop the run (after its current history window) and any ablation queued behind it. */
export async function cancelReconstruction(ctx: AppContext, wait = false): Promise<void> {
  const st = ctx.store.getState();
  st.requestAblationStop();
  if (st.jobs.recon.status === 'running') await cancelJob(ctx, 'recon', wait);
  else if (st.reconRun?.evaluating && st.jobs.eval.status === 'running') await cancelJob(ctx, 'eval', wait);
}

/** Run the current settings once per drop probability, each from the calibrated state, and record each. */
export async function runAblation(ctx: AppContext, values?: number[]): Promise<boolean> {
  const st = ctx.store.getState();
  if (anyJobRunning(st) || st.ablation?.status === 'running') return false;
  const ps = values ?? parseDropList(st.ablationText);
  if (!ps) return refuse(ctx, 'Cannot run the ablation', 'Give drop probabilities in (0, 1] separated by commas, e.g. "1, 0.75, 0.5, 0.25".');
  if (st.reconSettings.method === 'nearest') return refuse(ctx, 'Cannot run the ablation', 'Choose a reconstruction method (AdaRound, BRECQ or QDrop): rounding to nearest has no dropping.');
  const base = reconConfigOf(st.reconSettings);
  const flatness = flatnessOf(st.reconSettings);
  const alsoInput = st.ablationAlsoInput;
  const id = ++lastGroupId;
  st.startAblation({ id, values: ps, alsoInput });
  let status: 'done' | 'cancelled' | 'error' = 'done';
  for (let i = 0; i < ps.length; i++) {
    if (ctx.store.getState().ablation?.stopRequested) {
      status = 'cancelled';
      break;
    }
    ctx.store.getState().setAblationIndex(i);
    const cfg = { ...base, drop: ps[i], inputDrop: alsoInput ? ps[i] : base.inputDrop };
    const ok = await runReconstruction(ctx, { cfg, flatness, group: { id, index: i } });
    const s = ctx.store.getState();
    if (!ok) {
      status = s.reconRun?.status === 'error' ? 'error' : 'cancelled';
      break;
    }
  }
  if (ctx.store.getState().ablation?.id === id) ctx.store.getState().finishAblation(status);
  return status === 'done';
}

/**
 * Keep the reconstruction state in step with the rest: a new model drops it and looks for a saved
 * checkpoint; a new calibration drops the run shown, and it or a new method asks the worker for the
 * blocks again. Returns the unsubscribe.
 */
export function watchRecon(ctx: AppContext): () => void {
  return ctx.store.subscribe((s, prev) => {
    if (s.model !== prev.model) {
      s.resetRecon();
      void loadCheckpointInfo(ctx);
    }
    const base = baseCalibration(s);
    const newBase = base !== baseCalibration(prev);
    if (newBase) {
      s.resetReconRun();
      if (base) void refreshReconBlocks(ctx);
    } else if (base && s.reconSettings.method !== prev.reconSettings.method) void refreshReconBlocks(ctx);
    // the cache plan follows the method, the budget, the images, how many train and their size
    const replan =
      newBase ||
      s.reconSettings.method !== prev.reconSettings.method ||
      s.reconSettings.cacheMiB !== prev.reconSettings.cacheMiB ||
      s.reconSettings.images !== prev.reconSettings.images ||
      s.calibImages !== prev.calibImages ||
      s.preset !== prev.preset ||
      (prev.jobs.recon.status === 'running' && s.jobs.recon.status !== 'running');
    if (base && replan) void refreshCachePlan(ctx);
  });
}
