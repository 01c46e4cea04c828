// The quantization jobs and commands with a fake worker: calibration images (incl. a .zip), the
// layer plan following the configuration, calibrate/cancel, evaluate, export names and the report.
import { describe, expect, it } from 'vitest';
import { commands } from './commands';
import { fakeEngine, type FakeEngine } from './fake-engine';
import { quantFileName, pickCalibration } from './quant-config-slice';
import { selectEvalStats, selectVerifyStats, calibrationStale } from './quant-selectors';
import { refreshQuantPlan, watchQuant } from './jobs/quant-setup';
import { createStudioStore, type AppContext } from './store';
import { DEFAULT_CONFIG } from '../quant/types';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** NNNN_class.png with class (NNNN mod 10): the fake float model gets them all right. */
function images(n: number, dir = 'test') {
  return Array.from({ length: n }, (_, i) => ({ file: new Blob(['png']), path: `${dir}/${String(i).padStart(4, '0')}_${CLASSES[i % 10]}.png` }));
}

async function setup(): Promise<AppContext & { engine: FakeEngine; saved: { name: string; blob: Blob }[] }> {
  const saved: { name: string; blob: Blob }[] = [];
  const ctx = { store: createStudioStore(), engine: fakeEngine(), saved, save: (blob: Blob, name: string) => void saved.push({ name, blob }) };
  watchQuant(ctx);
  await commands.loadModel.perform(ctx, new Blob(['onnx']), 'resnet20_cifar10.onnx');
  await refreshQuantPlan(ctx);
  return ctx;
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('quantization jobs', () => {
  it('follows the configuration in the layer plan, with the 8-bit policy and overrides', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    st().editConfig({ wBits: 4, aBits: 4 });
    await settle();
    expect(st().quantPlan.map((l) => [l.wBits, l.aBits])).toEqual([[8, null], [4, 4], [8, 8]]);
    st().editConfig({ firstLast8bit: false, wBits: 12 }); // bits are clamped to 2..8
    st().setOverride('conv2', { float: true });
    await settle();
    expect(st().quantConfig.wBits).toBe(8);
    expect(st().quantPlan.map((l) => [l.wBits, l.aBits])).toEqual([[8, null], [null, null], [8, 4]]);
    st().setOverride('conv2', null);
    expect(st().quantConfig.overrides).toEqual({});
  });

  it('calibrates on calibration images from files and a .zip, evaluates and exports', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    expect(commands.calibrate.enabled(st())).toBe(false); // no calibration images, no GPU yet
    await commands.setCalibFiles.perform(ctx, [...images(6, 'train'), { file: new Blob(['PK…']), path: 'more.zip' }, { file: new Blob(['x']), path: 'train/notes.docx' }]);
    expect(st().calibImages.map((c) => c.path)).toContain('more/0001_automobile.png');
    expect(st().calibImages).toHaveLength(9);
    st().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
    st().editConfig({ wBits: 4, aBits: 4, wObserver: 'minmax', aObserver: 'minmax', calibCount: 4 });
    expect(commands.calibrate.enabled(st())).toBe(true);

    await commands.calibrate.perform(ctx);
    expect(st().jobs.calib.status).toBe('done');
    expect(ctx.engine.calibrations[0].images).toHaveLength(4);
    expect(st().calibration?.rows).toHaveLength(3);
    expect(calibrationStale(st())).toBe(false);

    await commands.addFiles.perform(ctx, images(20));
    await commands.evaluate.perform(ctx);
    expect(st().jobs.eval.status).toBe('done');
    // images 0, 5, 10, 15 flip in the fake quantized model
    expect(selectEvalStats(st())).toMatchObject({ done: 20, labeled: 20, floatCorrect: 20, quantCorrect: 16, agree: 16, compared: 20 });

    await commands.downloadModel.perform(ctx);
    st().setExportOpset(21);
    await commands.downloadModel.perform(ctx);
    await commands.downloadReport.perform(ctx);
    expect(ctx.saved.map((s) => s.name)).toEqual(['resnet20_cifar10_w4a4_minmax.onnx', 'resnet20_cifar10_w4a4_minmax_opset21.onnx', 'resnet20_cifar10_w4a4_minmax_opset21.report.json']);
    expect(ctx.engine.exports).toEqual([13, 21]);
    await settle();
    expect(st().fallbacks?.lines[0]).toMatch(/int4/);

    await commands.verify.perform(ctx);
    expect(selectVerifyStats(st())).toMatchObject({ done: 20, labeled: 20, correct: 16, differ: 0 });
    const report = JSON.parse(await ctx.saved[2].blob.text());
    expect(report).toMatchObject({ config: { wBits: 4, aBits: 4 }, evaluation: { images: 20, top1Float: 1, top1Quant: 0.8, agreement: 0.8 }, export: { opset: 21 } });
    expect(report.layers[1].activation.sqnrDb).toBe('inf');

    // A changed configuration marks the calibration stale; a new model drops it.
    st().editConfig({ aBits: 6 });
    expect(calibrationStale(st())).toBe(true);
    await commands.loadModel.perform(ctx, new Blob(['onnx']), 'other.onnx');
    expect(st().calibration).toBeNull();
  });

  it('cancels a calibration between batches and keeps the previous one', async () => {
    const ctx = await setup();
    const st = () => ctx.store.getState();
    await commands.setCalibFiles.perform(ctx, images(64, 'train'));
    st().setBatchSize(2);
    await commands.calibrate.perform(ctx);
    const first = st().calibration;
    const run = commands.calibrate.perform(ctx);
    await settle();
    expect(commands.cancelCalibration.enabled(st())).toBe(true);
    await commands.cancelCalibration.perform(ctx);
    await run;
    expect(st().jobs.calib.status).toBe('cancelled');
    expect(st().calibration).toBe(first);
  });

  it('says what is missing', async () => {
    const ctx = await setup();
    await commands.evaluate.perform(ctx);
    await commands.calibrate.perform(ctx);
    expect(ctx.store.getState().errors.map((e) => e.message)).toEqual([expect.stringMatching(/Calibrate first/), expect.stringMatching(/calibration images/)]);
    expect(pickCalibration([1, 2, 3, 4, 5, 6, 7, 8], 4)).toEqual([1, 3, 5, 7]);
    expect(quantFileName('My Model.onnx', { ...DEFAULT_CONFIG, wBits: 2, aBits: 4, aObserver: 'entropy' }, 13)).toBe('My_Model_w2a4_mse-entropy.onnx');
  });
});
