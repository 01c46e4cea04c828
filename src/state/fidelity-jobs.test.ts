// Evaluation without labels (or of a model that is not a one-output classifier) with a fake worker:
// it asks the worker for fidelity over every image, keeps the figures and class maps per calibration
// and image set, and a dynamic-size model gets the ImageNet preset at 224×224 to edit.
import { describe, expect, it } from 'vitest';
import { commands } from './commands';
import { fakeEngine, type FakeEngine } from './fake-engine';
import { currentFidelity, wantsFidelity } from './fidelity-slice';
import { watchQuant } from './jobs/quant-setup';
import { createStudioStore, type AppContext } from './store';
import { PRESETS } from '../data/presets';
import { sizedPreset } from '../data/input-size';

const files = (names: string[]) => names.map((n) => ({ file: new Blob(['png']), path: `set/${n}` }));

async function setup(model: string): Promise<AppContext & { engine: FakeEngine }> {
  const ctx = { store: createStudioStore(), engine: fakeEngine() };
  watchQuant(ctx);
  await commands.loadModel.perform(ctx, new Blob(['onnx']), model);
  ctx.store.getState().setDevice({ status: 'ready', adapter: 'fake', fallback: false, features: [] });
  await commands.setCalibFiles.perform(ctx, files(['c0.png', 'c1.png']));
  ctx.store.getState().editConfig({ wObserver: 'minmax', aObserver: 'minmax' });
  await commands.calibrate.perform(ctx);
  return ctx;
}

describe('fidelity in the studio', () => {
  it('evaluates unlabelled images with fidelity over all of them, once per calibration', async () => {
    const ctx = await setup('resnet20_cifar10.onnx');
    const st = () => ctx.store.getState();
    await commands.addFiles.perform(ctx, files(['a.png', 'b.png', 'c.png']));
    expect(st().images.every((im) => im.label === undefined)).toBe(true);
    expect(wantsFidelity(st())).toBe(true);
    await commands.evaluate.perform(ctx);
    expect(ctx.engine.evaluations.map((r) => [r.images.length, r.float, r.fidelity])).toEqual([[3, true, true]]);
    const f = currentFidelity(st());
    expect(f).toMatchObject({ done: 3, total: 3, outputs: [{ name: 'logits', images: 3, sqnrDb: 27 }] });
    expect(f?.dense[0]).toMatchObject({ output: 'logits', width: 2, height: 1 });
    await commands.evaluate.perform(ctx); // nothing new to measure
    expect(ctx.engine.evaluations).toHaveLength(1);
    await commands.calibrate.perform(ctx); // a new calibration makes the figures stale
    expect(currentFidelity(st())).toBeNull();
    await commands.evaluate.perform(ctx);
    expect(ctx.engine.evaluations).toHaveLength(2);
    expect(currentFidelity(st())?.dense).toHaveLength(1);
  });

  it('a labelled classifier keeps plain top-1 evaluation', async () => {
    const ctx = await setup('resnet20_cifar10.onnx');
    await commands.addFiles.perform(ctx, files(['0000_airplane.png', '0001_automobile.png']));
    expect(wantsFidelity(ctx.store.getState())).toBe(false);
    await commands.evaluate.perform(ctx);
    expect(ctx.engine.evaluations[0].fidelity).toBe(false);
    expect(currentFidelity(ctx.store.getState())).toBeNull();
  });

  it('a dynamic-size segmentation model starts at ImageNet 224×224; a new size is a new preset', async () => {
    const ctx = await setup('seg_lraspp.onnx');
    const st = () => ctx.store.getState();
    expect(st().preset).toBe(PRESETS.imagenet);
    st().setPreset(sizedPreset(st().preset!, 320, 320));
    expect(st().preset).toMatchObject({ height: 320, width: 320, resize: 366 });
    await commands.addFiles.perform(ctx, files(['0000_airplane.png']));
    expect(wantsFidelity(st())).toBe(true); // dense output: not a classifier, labels or not
  });
});
