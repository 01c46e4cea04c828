// Data-free quantization with the fake worker: SQuant in one click after loading a model (no
// images), its table and file names, APoT refusing SQuant, cancel, and reconstruction's weight SQNR.
import { describe, expect, it } from 'vitest';
import { commands } from './commands';
import { fakeEngine, type FakeEngine } from './fake-engine';
import { watchQuant } from './jobs/quant-setup';
import { fetchWeightLevels } from './jobs/data-free';
import { buildReport } from './jobs/report';
import { quantFileName } from './quant-config-slice';
import { calibrationStale } from './quant-selectors';
import { createStudioStore, type AppContext } from './store';
import { DEFAULT_CONFIG } from '../quant/types';

type Ctx = AppContext & { engine: FakeEngine; saved: string[] };

async function setup(): Promise<Ctx> {
  const saved: string[] = [];
  const ctx: Ctx = { store: createStudioStore(), engine: fakeEngine(), saved, save: (_b, name) => void saved.push(name) };
  watchQuant(ctx);
  await commands.loadModel.perform(ctx, new Blob(['onnx']), 'resnet20_cifar10.onnx');
  return ctx;
}

const images = (n: number) => Array.from({ length: n }, (_, i) => ({ file: new Blob(['png']), path: `test/${String(i).padStart(4, '0')}_cat.png` }));

describe('data-free quantization', () => {
  it('runs SQuant with no images: the table gets its time per layer, the files say squant', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    expect(commands.squantDataFree.enabled(st())).toBe(false); // no GPU yet
    st().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
    st().editConfig({ wBits: 4, aBits: 8 });
    expect(commands.squantDataFree.enabled(st())).toBe(true);
    expect(st().calibImages).toHaveLength(0);

    expect(await commands.squantDataFree.perform(ctx)).toBe(true);
    expect(st().jobs.calib.status).toBe('done');
    const req = ctx.engine.dataFrees[0];
    expect(req).toMatchObject({ rounding: 'squant', config: { wBits: 4, aBits: 8 }, sample: [] });
    const c = st().calibration!;
    expect(c.dataFree).toMatchObject({ rounding: 'squant', squantMs: 3, noiseImages: 4, sampleSource: 'noise' });
    expect(c.config.wObserver).toBe('minmax'); // what ran; the panel still says mse
    expect(c.dataFree!.panel.wObserver).toBe('mse');
    expect(calibrationStale(st())).toBe(false);
    expect(c.rows.map((r) => r.squantMs)).toEqual([1, 1, 1]);

    await commands.downloadModel.perform(ctx);
    await commands.downloadReport.perform(ctx);
    expect(ctx.saved).toEqual(['resnet20_cifar10_w4a8_squant.onnx', 'resnet20_cifar10_w4a8_squant.report.json']);
    const report = buildReport(st());
    expect(report.dataFree).toEqual({ rounding: 'squant', noiseImages: 4, squantMs: 3, activationSqnrOn: 'noise' });
    expect(report.layers[1]).toMatchObject({ squantMs: 1, squantMoved: 1 });

    const view = await fetchWeightLevels(ctx, 'conv2', 0, 10);
    expect(view).toMatchObject({ bits: 4, uniform: [-1, 0, 1], apot: [-1, -0.5, 0, 0.5, 1] });
    expect(await fetchWeightLevels(ctx, 'nope', 0, 10)).toBeNull();
    expect(st().errors.at(-1)?.title).toBe('Could not read the weights of nope');

    st().editConfig({ wBits: 3 });
    expect(calibrationStale(st())).toBe(true);
  });

  it('refuses SQuant on the APoT grid; nearest data-free takes APoT and sends evaluation images for the table', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
    await commands.addFiles.perform(ctx, images(3));
    st().editConfig({ wBits: 4, aBits: 4, wLevels: 'apot' });
    expect(commands.squantDataFree.enabled(st())).toBe(false);
    expect(await commands.squantDataFree.perform(ctx)).toBe(false);
    expect(st().errors.at(-1)?.message).toContain('uniform grid');
    expect(await commands.nearestDataFree.perform(ctx)).toBe(true);
    expect(ctx.engine.dataFrees.at(-1)!.sample).toHaveLength(3);
    expect(st().calibration!.dataFree).toMatchObject({ rounding: 'nearest', squantMs: null, sampleSource: 'images' });
    expect(st().calibration!.rows.every((r) => r.squantMs === undefined)).toBe(true);
    await commands.downloadModel.perform(ctx);
    expect(ctx.saved).toEqual(['resnet20_cifar10_w4a4_mse-datafree_apot.onnx']);
    expect(quantFileName('m.onnx', { ...DEFAULT_CONFIG, wLevels: 'apot' }, 21, '.onnx', 'qdrop')).toBe('m_w8a8_mse_apot_qdrop_opset21.onnx');
  });

  it('cancels between steps and keeps the previous result', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
    await commands.nearestDataFree.perform(ctx);
    const before = st().calibration;
    const job = commands.squantDataFree.perform(ctx);
    await new Promise((r) => setTimeout(r, 3));
    expect(st().jobs.calib.status).toBe('running');
    await commands.cancelCalibration.perform(ctx);
    expect(await job).toBe(false);
    expect(st().jobs.calib.status).toBe('cancelled');
    expect(st().calibration).toBe(before);
  });

  it('puts the reconstructed weights’ SQNR into the table', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
    await commands.squantDataFree.perform(ctx);
    await commands.setCalibFiles.perform(ctx, images(4));
    st().editReconSettings({ iters: 40 });
    expect(await commands.runRecon.perform(ctx)).toBe(true);
    const c = st().calibration!;
    expect(c.recon).toBeDefined();
    expect(c.dataFree?.rounding).toBe('squant');
    expect(c.rows.map((r) => r.weight?.sqnrDb)).toEqual([40, 41, 42]);
    expect(c.recon!.base.rows.map((r) => r.weight?.sqnrDb)).toEqual([25, 20, 15]);
  });
});
