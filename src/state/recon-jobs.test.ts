// Reconstruction jobs with the fake worker: a run streams loss into per-block progress and curves
// (bounded), pause/resume and cancel, every finished run evaluated, an ablation over drop
// probabilities, checkpoints kept per block (memory and IndexedDB) and resumed after a reload,
// early stop and the cache budget carried to the worker and reported per block.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { commands } from './commands';
import { fakeEngine, type FakeEngine } from './fake-engine';
import { watchQuant } from './jobs/quant-setup';
import { baseCalibration, historyEvery, parseDropList, reconImages, watchRecon } from './jobs/recon';
import { appendLoss, curvePoints, meanFlatness, MAX_CURVE_POINTS, runLossLine } from './recon-curves';
import { idbCheckpoints, memoryCheckpoints, type CheckpointStore, type StoredCheckpoint } from './recon-checkpoints';
import { imageSetHash } from './content-hash';
import { applyReconEvent, DEFAULT_RECON_SETTINGS, initialBlocks, reconEta, sanitizeReconSettings, stoppedEarly, type ReconRun } from './recon-slice';
import { createStudioStore, type AppContext } from './store';
import { RECON_DEFAULTS } from '../recon/reconstruct';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const MODEL = 'resnet20_cifar10.onnx';

function images(n: number, dir = 'test') {
  return Array.from({ length: n }, (_, i) => ({ file: new Blob(['png']), path: `${dir}/${String(i).padStart(4, '0')}_${CLASSES[i % 10]}.png` }));
}

type Ctx = AppContext & { engine: FakeEngine; saved: string[] };

/** A calibrated W4A4 model with calibration and evaluation images, the watchers on. */
async function setup(opts: { evalImages?: number; checkpoints?: CheckpointStore } = {}): Promise<Ctx> {
  const saved: string[] = [];
  const ctx: Ctx = { store: createStudioStore(), engine: fakeEngine(), saved, save: (_b, name) => void saved.push(name), checkpoints: opts.checkpoints ?? memoryCheckpoints() };
  watchQuant(ctx);
  watchRecon(ctx);
  const st = ctx.store.getState();
  st.setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
  await commands.loadModel.perform(ctx, new Blob(['onnx']), MODEL);
  await commands.setCalibFiles.perform(ctx, images(8, 'train'));
  if (opts.evalImages) await commands.addFiles.perform(ctx, images(opts.evalImages));
  ctx.store.getState().editConfig({ wBits: 4, aBits: 4, wObserver: 'minmax', aObserver: 'minmax' });
  await commands.calibrate.perform(ctx);
  await settle();
  return ctx;
}

/** The identity a checkpoint of this page's model and reconstruction images carries. */
async function identity(ctx: Ctx) {
  const st = ctx.store.getState();
  const images = reconImages(st);
  return { modelSha256: st.modelSha256 ?? undefined, calibSha256: await imageSetHash(images), calibCount: images.length };
}

const settle = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond` holds (polling the store between the fake worker's ticks). */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await settle(1);
  }
}

describe('reconstruction jobs', () => {
  it('runs QDrop block by block, streams the loss, then evaluates and exports the reconstructed model', async () => {
    const ctx = await setup({ evalImages: 20 });
    const st = () => ctx.store.getState();
    expect(st().reconBlocks.map((b) => b.name)).toEqual(['layer conv1', 'layer conv2', 'layer fc']);
    expect(commands.runRecon.enabled(st())).toBe(true);
    st().editReconSettings({ iters: 200, batch: 4, seed: 7 });
    expect(st().reconSettings).toMatchObject({ method: 'qdrop', drop: 0.5, inputDrop: 0.5, iters: 200 });
    const before = st().calibration;

    await commands.runRecon.perform(ctx);
    const req = ctx.engine.recons[0];
    expect(req.cfg).toMatchObject({ ...RECON_DEFAULTS, method: 'qdrop', iters: 200, batch: 4, seed: 7, drop: 0.5, inputDrop: 0.5, historyEvery: 20 });
    expect(req.images).toHaveLength(8);
    expect(req.flatness).toEqual({ points: 11, range: 0.5 });
    const run = st().reconRun!;
    expect(run.status).toBe('done');
    expect(st().jobs.recon).toMatchObject({ status: 'done', done: 600, total: 600 });
    expect(run.blocks.map((b) => [b.status, b.itersDone])).toEqual([['done', 200], ['done', 200], ['done', 200]]);
    expect(run.blocks[2].lastLoss).toBeCloseTo(1.5 / 21);
    expect(curvePoints(run.curves[0])).toHaveLength(200);
    expect(curvePoints(run.curves[0])[0]).toEqual({ iter: 0, rec: 1.5, reg: 0.1 });
    expect(meanFlatness(run.flatnessCurves)).toEqual({ alphas: [-1, 0, 1], losses: [1, 1, 1] });

    // the worker's model is the reconstructed one: evaluated again, exported under its method
    const c = st().calibration!;
    expect(c.recon).toMatchObject({ base: before, runId: run.id, cfg: { method: 'qdrop' } });
    expect(baseCalibration(st())).toBe(before);
    expect(st().evalQuant?.from).toBe(c);
    expect(st().reconRuns).toHaveLength(1);
    expect(st().reconRuns[0].top1).toEqual({ correct: 16, labeled: 20, agree: 16, compared: 20 });
    await commands.downloadModel.perform(ctx);
    expect(ctx.saved).toEqual(['resnet20_cifar10_w4a4_minmax_qdrop.onnx']);
  });

  it('reports progress and an ETA from the rates while it runs', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().editReconSettings({ iters: 500 });
    const seen: { done: number; total: number; phase?: string }[] = [];
    const unsub = ctx.store.subscribe((s) => s.jobs.recon.status === 'running' && seen.push({ done: s.jobs.recon.done, total: s.jobs.recon.total, phase: s.jobs.recon.phase }));
    const job = commands.runRecon.perform(ctx);
    await until(() => (st().reconRun?.blocks[1].itersDone ?? 0) >= 100);
    const run = st().reconRun!;
    expect(run.current).toBe(1);
    expect(run.blocks.map((b) => b.status)).toEqual(['done', 'training', 'pending']);
    await settle(10);
    const eta = reconEta(st().reconRun!, Date.now());
    expect(eta.overall).toBeGreaterThan(0);
    expect(eta.overall).toBeGreaterThanOrEqual(eta.block);
    await job;
    unsub();
    expect(seen.at(-1)).toMatchObject({ done: 1500, total: 1500 });
    const dones = seen.map((p) => p.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(seen.some((p) => p.phase === 'block 2 of 3')).toBe(true);
  });

  it('computes rates and ETA without the paused time', () => {
    const blocks = initialBlocks([0, 1, 2].map((index) => ({ index, name: `b${index}`, kind: 'residual' as const, layers: [], acts: 1 })), 0);
    let run: ReconRun = { id: 1, jobId: 1, cfg: { ...RECON_DEFAULTS, iters: 200 }, flatness: null, calib: 'W4A4', group: null, status: 'running', startedAt: 0, ms: 0, startBlock: 0, blocks, curves: {}, flatnessCurves: {}, top1: null, evaluating: false, current: -1, lastTick: 0, pausedMs: 0, pausedAt: null };
    run = applyReconEvent(run, { type: 'block-start', block: 0, total: 3 }, 0);
    run = applyReconEvent(run, { type: 'cache', block: 0, done: 8, total: 8 }, 100);
    run = applyReconEvent(run, { type: 'loss', block: 0, points: [], itersDone: 50 }, 600);
    expect(run.blocks[0]).toMatchObject({ status: 'training', cacheMs: 100, trainMs: 500, itersDone: 50 });
    // 0.1 iterations/ms: 1500 ms left in the block, then two blocks of 100 ms caching + 2000 ms
    expect(reconEta(run, 600)).toEqual({ block: 1500, overall: 1500 + 2 * 2100 });
    expect(reconEta(run, 1100)).toEqual({ block: 1000, overall: 1000 + 2 * 2100 });
    // paused from 700 to 1700: that second counts neither in the rate nor in the countdown
    run = { ...run, status: 'paused', pausedAt: 700 };
    expect(reconEta(run, 1500).block).toBe(1400);
    run = { ...run, status: 'running', pausedAt: null, pausedMs: 1000 };
    run = applyReconEvent(run, { type: 'loss', block: 0, points: [], itersDone: 100 }, 2100);
    expect(run.blocks[0].trainMs).toBe(1000);
    expect(reconEta(run, 2100).block).toBe(1000);
  });

  it("defaults early stop off and the cache budget to the engine's, and sanitizes them", () => {
    expect(DEFAULT_RECON_SETTINGS).toMatchObject({ earlyStop: false, cacheMiB: 2048 });
    expect(DEFAULT_RECON_SETTINGS).toMatchObject({ earlyStop: RECON_DEFAULTS.earlyStop, cacheMiB: RECON_DEFAULTS.cacheMiB });
    expect(createStudioStore().getState().reconSettings).toEqual(DEFAULT_RECON_SETTINGS);
    const cacheMiB = (v: number) => sanitizeReconSettings({ ...DEFAULT_RECON_SETTINGS, cacheMiB: v }).cacheMiB;
    expect([cacheMiB(256), cacheMiB(300.4), cacheMiB(4), cacheMiB(0), cacheMiB(-5), cacheMiB(1e6), cacheMiB(NaN), cacheMiB(Infinity)]).toEqual([256, 300, 16, 16, 16, 65536, 2048, 2048]);
    // settings from before the fields existed take their defaults
    const { earlyStop: _e, cacheMiB: _c, ...old } = { ...DEFAULT_RECON_SETTINGS, iters: 300 };
    expect(sanitizeReconSettings(old)).toEqual({ ...DEFAULT_RECON_SETTINGS, iters: 300 });
    const store = createStudioStore();
    store.getState().editReconSettings({ cacheMiB: 70000 });
    expect(store.getState().reconSettings.cacheMiB).toBe(65536);
    store.getState().editReconSettings({ cacheMiB: 12.7 });
    expect(store.getState().reconSettings.cacheMiB).toBe(16);
  });

  it('carries early stop and the cache budget to the worker and shows float16 caches and early stops per block', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().editReconSettings({ iters: 200 });
    await commands.runRecon.perform(ctx);
    expect(ctx.engine.recons[0].cfg).toMatchObject({ earlyStop: false, cacheMiB: 2048, cachePrecision: 'auto' });
    // 8 images of 64 MiB fit in 2048 MiB: float32, all iterations
    expect(st().reconRun!.blocks.map((b) => [b.cache, stoppedEarly(st().reconRun!, b), b.itersDone])).toEqual([['f32', false, 200], ['f32', false, 200], ['f32', false, 200]]);

    st().editReconSettings({ earlyStop: true, cacheMiB: 256 });
    expect(st().reconSettings).toMatchObject({ earlyStop: true, cacheMiB: 256 });
    await commands.runRecon.perform(ctx);
    expect(ctx.engine.recons[1].cfg).toMatchObject({ ...RECON_DEFAULTS, iters: 200, historyEvery: 20, earlyStop: true, cacheMiB: 256, cachePrecision: 'auto' });
    const run = st().reconRun!;
    expect(run.status).toBe('done');
    expect(run.blocks.map((b) => [b.status, b.cache, stoppedEarly(run, b), b.itersDone])).toEqual([['done', 'f16', true, 100], ['done', 'f16', true, 100], ['done', 'f16', true, 100]]);
    // a block that stopped early counts as done in the progress
    expect(st().jobs.recon).toMatchObject({ status: 'done', done: 600, total: 600 });
    expect(st().reconRuns[1].blocks[0]).toMatchObject({ cache: 'f16' });
    expect(stoppedEarly(st().reconRuns[1], st().reconRuns[1].blocks[0])).toBe(true);
  });

  it('plans the caches before Run, again when the budget, the images or the method change', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    const plan = () => st().reconCachePlan;
    await until(() => plan() !== null);
    // the fake worker: 64 MiB an image in float32, 32 in float16
    expect(plan()).toMatchObject({ method: 'qdrop', cacheMiB: 2048, cachePrecision: 'auto', count: 8, peak: 512 * 2 ** 20, message: null });
    expect(plan()!.blocks.map((b) => b.precision)).toEqual(['f32', 'f32', 'f32']);
    st().editReconSettings({ cacheMiB: 256 });
    await until(() => plan()?.cacheMiB === 256);
    expect(plan()!.blocks.map((b) => b.precision)).toEqual(['f16', 'f16', 'f16']);
    st().editReconSettings({ cacheMiB: 100 });
    await until(() => plan()?.cacheMiB === 100);
    expect(plan()!.message).toMatch(/caching 8 calibration images .* Use at most 3 images/);
    await commands.setCalibFiles.perform(ctx, images(3, 'train'));
    await until(() => plan()?.count === 3);
    expect(plan()!.message).toBeNull();
    st().editReconSettings({ method: 'nearest' });
    await until(() => plan() === null);
  });

  it('puts the cache storage and an early stop of a block-end event on the block', () => {
    const blocks = initialBlocks([0, 1].map((index) => ({ index, name: `b${index}`, kind: 'residual' as const, layers: [], acts: 1 })), 0);
    expect(blocks[0]).toMatchObject({ cache: null });
    let run: ReconRun = { id: 1, jobId: 1, cfg: { ...RECON_DEFAULTS, iters: 2000, earlyStop: true }, flatness: null, calib: 'W4A4', group: null, status: 'running', startedAt: 0, ms: 0, startBlock: 0, blocks, curves: {}, flatnessCurves: {}, top1: null, evaluating: false, current: -1, lastTick: 0, pausedMs: 0, pausedAt: null };
    run = applyReconEvent(run, { type: 'block-start', block: 0, total: 2 }, 0);
    run = applyReconEvent(run, { type: 'block-end', block: 0, iters: 750, seconds: 1, firstLoss: 2, lastLoss: 1, cache: 'f16' }, 10);
    run = applyReconEvent(run, { type: 'block-start', block: 1, total: 2 }, 10);
    run = applyReconEvent(run, { type: 'block-end', block: 1, iters: 2000, seconds: 1, firstLoss: 2, lastLoss: 1, cache: 'f32' }, 20);
    expect(run.blocks.map((b) => [b.status, b.itersDone, b.cache, stoppedEarly(run, b)])).toEqual([['done', 750, 'f16', true], ['done', 2000, 'f32', false]]);
  });

  it('resumes a checkpoint saved before early stop and the cache budget existed with their defaults', async () => {
    const cps = memoryCheckpoints();
    const ctx = await setup({ checkpoints: cps });
    const st = () => ctx.store.getState();
    const { earlyStop: _e, cacheMiB: _c, cachePrecision: _p, ...oldCfg } = { ...RECON_DEFAULTS, iters: 40, historyEvery: 4 };
    const old = { modelFile: MODEL, ...(await identity(ctx)), cfg: oldCfg, flatness: null, quant: st().calibration!.config, presetId: 'cifar10', blocks: 1, total: 3, savedAt: 1, checkpoint: { blocks: 1, state: '{"blocks":1}' } };
    cps.map.set(MODEL, old as unknown as StoredCheckpoint);
    expect((await cps.load(MODEL))?.cfg).toEqual({ ...RECON_DEFAULTS, iters: 40, historyEvery: 4 });
    await commands.resumeCheckpoint.perform(ctx);
    expect(ctx.engine.recons[0].cfg).toMatchObject({ iters: 40, earlyStop: false, cacheMiB: 2048, cachePrecision: 'auto' });
    expect(st().reconRun?.blocks.map((b) => [b.status, b.cache])).toEqual([['restored', null], ['done', 'f32'], ['done', 'f32']]);
  });

  it('pauses between history windows and resumes', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().editReconSettings({ iters: 1000 });
    const job = commands.runRecon.perform(ctx);
    await until(() => (st().reconRun?.blocks[0].itersDone ?? 0) > 0);
    expect(commands.resumeRecon.enabled(st())).toBe(false);
    await commands.pauseRecon.perform(ctx);
    expect(st().reconRun?.status).toBe('paused');
    await settle(5);
    const at = st().reconRun!.blocks[0].itersDone;
    await settle(30);
    expect(st().reconRun!.blocks[0].itersDone).toBe(at);
    expect(st().jobs.recon.status).toBe('running');
    expect(commands.resumeRecon.enabled(st())).toBe(true);
    expect(commands.evaluate.enabled(st())).toBe(false); // the worker is still held
    await commands.resumeRecon.perform(ctx);
    expect(st().reconRun?.status).toBe('running');
    await job;
    expect(st().reconRun?.status).toBe('done');
  });

  it('cancels a run: the calibrated model stays, the checkpoint of the finished blocks is kept', async () => {
    const cps = memoryCheckpoints();
    const ctx = await setup({ checkpoints: cps });
    const st = () => ctx.store.getState();
    const base = st().calibration;
    st().editReconSettings({ iters: 1000 });
    const job = commands.runRecon.perform(ctx);
    await until(() => (st().reconRun?.blocks[1].itersDone ?? 0) > 0);
    await commands.pauseRecon.perform(ctx);
    expect(commands.cancelRecon.enabled(st())).toBe(true);
    await commands.cancelRecon.perform(ctx); // cancelling a paused run works too
    expect(await job).toBe(false);
    expect(st().reconRun?.status).toBe('cancelled');
    expect(st().jobs.recon.status).toBe('cancelled');
    expect(st().reconRuns).toHaveLength(0);
    expect(st().calibration).toBe(base);
    expect(cps.map.get(MODEL)?.blocks).toBe(1);
    expect(st().reconCheckpoint).toMatchObject({ blocks: 1, total: 3 });
  });

  it('runs an ablation of two drop probabilities and records both with their accuracy', async () => {
    const ctx = await setup({ evalImages: 10 });
    const st = () => ctx.store.getState();
    st().editReconSettings({ iters: 100, flatnessPoints: 3 });
    st().setAblationText('1, 0.5');
    expect(parseDropList('1, 0.75 0.5;0.25')).toEqual([1, 0.75, 0.5, 0.25]);
    expect(parseDropList('1, 1.5')).toBeUndefined();
    expect(commands.runAblation.enabled(st())).toBe(true);
    await commands.runAblation.perform(ctx);
    expect(ctx.engine.recons.map((r) => [r.cfg.drop, r.cfg.inputDrop])).toEqual([[1, 1], [0.5, 0.5]]);
    expect(st().ablation).toMatchObject({ values: [1, 0.5], status: 'done' });
    const runs = st().reconRuns;
    expect(runs.map((r) => [r.group?.index, r.cfg.drop, r.status])).toEqual([[0, 1, 'done'], [1, 0.5, 'done']]);
    expect(runs.every((r) => r.top1?.labeled === 10)).toBe(true);
    // the fake loss is (1 + p)/(1 + iter/10), the flatness 2p at α = ±1
    expect(runLossLine(runs[0].curves, 100)[0].rec).toBe(2);
    expect(runLossLine(runs[1].curves, 100)).toHaveLength(300);
    expect(meanFlatness(runs[1].flatnessCurves)?.losses).toEqual([1, 1, 1]);
    expect(meanFlatness(runs[0].flatnessCurves)?.losses).toEqual([2, 1, 2]);
    // the last run is the model the page evaluates and exports
    expect(st().calibration?.recon?.runId).toBe(runs[1].id);
  });

  it('stops an ablation when its run is cancelled', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().editReconSettings({ iters: 1000 });
    st().setAblationText('1, 0.75, 0.5');
    const job = commands.runAblation.perform(ctx);
    await until(() => (st().reconRun?.blocks[0].itersDone ?? 0) > 0);
    await commands.cancelRecon.perform(ctx);
    expect(await job).toBe(false);
    expect(st().ablation?.status).toBe('cancelled');
    expect(ctx.engine.recons).toHaveLength(1);
  });

  it('keeps loss curves bounded by averaging neighbours', async () => {
    // straight line rec = iter: every averaged point stays on it
    let c = appendLoss(undefined, []);
    for (let t = 0; t < 12000; t += 50) c = appendLoss(c, Array.from({ length: 50 }, (_, k) => ({ iter: t + k, rec: t + k, reg: 1 })));
    const pts = curvePoints(c);
    expect(c.raw).toBe(12000);
    expect(pts.length).toBeLessThanOrEqual(MAX_CURVE_POINTS + 1);
    expect(pts.length).toBeGreaterThan(MAX_CURVE_POINTS / 4);
    expect(c.stride).toBe(32);
    for (const p of pts) expect(p.rec).toBeCloseTo(p.iter, 6);
    expect(pts.map((p) => p.iter)).toEqual([...pts.map((p) => p.iter)].sort((a, b) => a - b));

    // and in a run: 5000 iterations per block plot at most ~500 points per block
    const ctx = await setup();
    ctx.store.getState().editReconSettings({ iters: 5000 });
    expect(historyEvery(5000)).toBe(50);
    await commands.runRecon.perform(ctx);
    const run = ctx.store.getState().reconRun!;
    for (const b of [0, 1, 2]) {
      expect(run.curves[b].raw).toBe(5000);
      expect(curvePoints(run.curves[b]).length).toBeLessThanOrEqual(MAX_CURVE_POINTS + 1);
    }
  });

  it('stores a checkpoint after each block and clears it when the run finishes', async () => {
    const cps = memoryCheckpoints();
    const stored: number[] = [];
    const spy: CheckpointStore = { ...cps, save: async (c) => (stored.push(c.blocks), cps.save(c)) };
    const ctx = await setup({ checkpoints: spy });
    ctx.store.getState().editReconSettings({ iters: 40 });
    await commands.runRecon.perform(ctx);
    expect(stored).toEqual([1, 2]); // after the last block there is nothing left to resume
    expect(cps.map.size).toBe(0);
    expect(ctx.store.getState().reconCheckpoint).toBeNull();
  });

  it('takes events that arrive after the run has returned (callbacks and result use different ports)', async () => {
    const cps = memoryCheckpoints();
    const ctx = await setup({ checkpoints: cps });
    const reconstruct = ctx.engine.reconstruct;
    ctx.engine.reconstruct = (req, onEvent) => reconstruct(req, (e) => void setTimeout(() => onEvent(e), 30));
    ctx.store.getState().editReconSettings({ iters: 40 });
    await commands.runRecon.perform(ctx);
    await settle(60);
    const st = ctx.store.getState();
    expect(st.reconRuns[0].blocks.map((b) => b.status)).toEqual(['done', 'done', 'done']);
    expect(curvePoints(st.reconRuns[0].curves[2])).toHaveLength(40);
    expect(cps.map.size).toBe(0);
    expect(st.reconCheckpoint).toBeNull();
  });

  it('offers a checkpoint found in IndexedDB after a reload and resumes from its block', async () => {
    const db = idbCheckpoints();
    const first = await setup();
    const quant = { ...first.store.getState().calibration!.config };
    const saved: StoredCheckpoint = {
      modelFile: MODEL,
      ...(await identity(first)),
      cfg: { ...RECON_DEFAULTS, iters: 40, historyEvery: 4, drop: 0.75 },
      flatness: null,
      quant,
      presetId: 'cifar10',
      blocks: 1,
      total: 3,
      savedAt: 1,
      checkpoint: { blocks: 1, state: '{"blocks":1}' },
    };
    await db.save(saved);
    expect((await db.load(MODEL))?.checkpoint).toEqual(saved.checkpoint);

    // a fresh page: the offer appears with the model, resuming needs the same calibration
    const ctx = await setup({ checkpoints: db });
    const st = () => ctx.store.getState();
    await until(() => st().reconCheckpoint !== null);
    expect(st().reconCheckpoint).toMatchObject({ blocks: 1, total: 3, cfg: { drop: 0.75 } });
    expect(commands.resumeCheckpoint.enabled(st())).toBe(true);
    await commands.resumeCheckpoint.perform(ctx);
    expect(ctx.engine.recons[0]).toMatchObject({ resume: saved.checkpoint, cfg: { drop: 0.75, iters: 40 } });
    expect(st().reconRun?.blocks.map((b) => b.status)).toEqual(['restored', 'done', 'done']);
    expect(st().jobs.recon).toMatchObject({ done: 80, total: 80 });
    expect(await db.load(MODEL)).toBeUndefined();
    expect(st().reconCheckpoint).toBeNull();

    // a checkpoint of another configuration is offered but needs that calibration
    await db.save({ ...saved, quant: { ...quant, wBits: 2 } });
    await commands.loadModel.perform(ctx, new Blob(['onnx']), MODEL);
    await until(() => st().reconCheckpoint !== null);
    await commands.calibrate.perform(ctx);
    expect(commands.resumeCheckpoint.enabled(st())).toBe(false);
    await commands.discardCheckpoint.perform(ctx);
    expect(await db.load(MODEL)).toBeUndefined();
  });

  it('refuses a checkpoint of another file with the same name, of other images, or without an identity', async () => {
    const cps = memoryCheckpoints();
    const ctx = await setup({ checkpoints: cps });
    const st = () => ctx.store.getState();
    const id = await identity(ctx);
    const base: StoredCheckpoint = { modelFile: MODEL, ...id, cfg: { ...RECON_DEFAULTS, iters: 40, historyEvery: 4 }, flatness: null, quant: st().calibration!.config, presetId: 'cifar10', blocks: 1, total: 3, savedAt: 1, checkpoint: { blocks: 1, state: '{"blocks":1}' } };
    const cases: [Partial<StoredCheckpoint>, RegExp][] = [
      [{ modelSha256: 'f'.repeat(64) }, /belongs to another model file named .* \(sha256 ffffffffffff…; the loaded one is [0-9a-f]{12}…\)/],
      [{ calibSha256: '0'.repeat(64) }, /made with other calibration images \(8 then, 8 now/],
      [{ calibCount: 16 }, /made with other calibration images \(16 then, 8 now/],
      [{ modelSha256: undefined }, /earlier version of the studio that did not record which model file/],
    ];
    for (const [patch, why] of cases) {
      cps.map.set(MODEL, { ...base, ...patch });
      const errors = st().errors.length;
      await commands.resumeCheckpoint.perform(ctx);
      expect(ctx.engine.recons).toHaveLength(0);
      expect(st().errors.length).toBe(errors + 1);
      expect(st().errors.at(-1)?.title).toBe('Cannot resume this checkpoint');
      expect(st().errors.at(-1)?.message).toMatch(why);
    }
    cps.map.set(MODEL, base);
    await commands.resumeCheckpoint.perform(ctx);
    expect(ctx.engine.recons).toHaveLength(1);
  });
});
