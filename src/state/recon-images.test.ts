// Reconstruction trains on its own number of calibration images (DESIGN.md §2: 1024), spread over
// the chosen set, while calibration keeps its count for the activation ranges (256): the run, the
// cache plan, the stored checkpoint's identity and the resume check all follow the recon count.
import { describe, expect, it } from 'vitest';
import { commands } from './commands';
import { fakeEngine, type FakeEngine } from './fake-engine';
import { watchQuant } from './jobs/quant-setup';
import { reconImages, watchRecon } from './jobs/recon';
import { memoryCheckpoints } from './recon-checkpoints';
import { imageSetHash } from './content-hash';
import { DEFAULT_RECON_SETTINGS, sanitizeReconSettings } from './recon-slice';
import { createStudioStore, type AppContext } from './store';

const MODEL = 'resnet20_cifar10.onnx';
const calibFiles = (n: number) => Array.from({ length: n }, (_, i) => ({ file: new Blob([`png${i}`]), path: `train/${String(i).padStart(4, '0')}_cat.png` }));
const until = async (cond: () => boolean, ms = 2000) => {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 1))) if (Date.now() > end) throw new Error('timed out');
};

describe('reconstruction images', () => {
  it('defaults to 1024, takes a positive integer, and settings saved without it take the default', () => {
    expect(DEFAULT_RECON_SETTINGS.images).toBe(1024);
    const images = (v: number) => sanitizeReconSettings({ ...DEFAULT_RECON_SETTINGS, images: v }).images;
    expect([images(6), images(6.4), images(0), images(-3), images(NaN), images(2e6)]).toEqual([6, 6, 1, 1, 1, 1_000_000]);
    const { images: _i, ...old } = { ...DEFAULT_RECON_SETTINGS, iters: 300 };
    expect(sanitizeReconSettings(old)).toEqual({ ...DEFAULT_RECON_SETTINGS, iters: 300 });
  });

  it('calibrates on calibCount images and reconstructs, plans and checkpoints on its own count', async () => {
    const cps = memoryCheckpoints();
    const ctx: AppContext & { engine: FakeEngine } = { store: createStudioStore(), engine: fakeEngine(), save: () => undefined, checkpoints: cps };
    watchQuant(ctx);
    watchRecon(ctx);
    const st = () => ctx.store.getState();
    st().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
    await commands.loadModel.perform(ctx, new Blob(['onnx']), MODEL);
    await commands.setCalibFiles.perform(ctx, calibFiles(8));
    st().editConfig({ calibCount: 2 });
    st().editReconSettings({ images: 6, iters: 1000 });
    await commands.calibrate.perform(ctx);
    expect(ctx.engine.calibrations[0].images.map((im) => im.name)).toEqual(['0000_cat.png', '0004_cat.png']);

    await until(() => st().reconCachePlan !== null);
    expect(st().reconCachePlan!.count).toBe(6);

    // cancelled after the first block: the checkpoint carries the identity of the 6 training images
    const job = commands.runRecon.perform(ctx);
    await until(() => (st().reconRun?.blocks[1].itersDone ?? 0) > 0);
    await commands.cancelRecon.perform(ctx);
    expect(await job).toBe(false);
    const six = ['0000', '0001', '0002', '0004', '0005', '0006'].map((n) => `${n}_cat.png`);
    expect(ctx.engine.recons[0].images.map((im) => im.name)).toEqual(six);
    expect(reconImages(st()).map((im) => im.name)).toEqual(six);
    expect(cps.map.get(MODEL)).toMatchObject({ blocks: 1, calibCount: 6, calibSha256: await imageSetHash(reconImages(st())) });

    // another recon count no longer matches the checkpoint; the one it was made with resumes it
    st().editReconSettings({ images: 4 });
    await until(() => st().reconCachePlan?.count === 4);
    await commands.resumeCheckpoint.perform(ctx);
    expect(st().errors.at(-1)?.message).toMatch(/\(6 then, 4 now, .*set the reconstruction's Images to 6/);
    expect(ctx.engine.recons).toHaveLength(1);
    st().editReconSettings({ images: 6 });
    await commands.resumeCheckpoint.perform(ctx);
    expect(ctx.engine.recons[1]).toMatchObject({ resume: { blocks: 1 } });
    expect(ctx.engine.recons[1].images).toHaveLength(6);
    expect(st().reconRun?.status).toBe('done');
  });
});
