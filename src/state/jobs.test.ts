// The store's jobs and commands without React or a GPU: a fake engine stands in for the worker,
// so loading, labelling, running with progress, cancelling and error handling are checked here.
import { describe, expect, it } from 'vitest';
import { commands } from './commands';
import { fakeEngine, type FakeEngine } from './fake-engine';
import { selectStats } from './inference-slice';
import { createStudioStore, type AppContext } from './store';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function setup(): AppContext & { engine: FakeEngine } {
  return { store: createStudioStore(), engine: fakeEngine() };
}

/** Images named NNNN_class.png whose class is (NNNN mod 10) for even NNNN and wrong for odd. */
function images(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const cls = CLASSES[i % 2 === 0 ? i % 10 : (i + 1) % 10];
    const name = `${String(i).padStart(4, '0')}_${cls}.png`;
    return { file: new Blob(['png']), path: `test/${name}` };
  });
}

describe('studio jobs', () => {
  it('loads a model, prefills the preset, labels images from names and runs them', async () => {
    const ctx = setup();
    await commands.loadModel.perform(ctx, new Blob(['onnx…']), 'resnet.onnx');
    const s = ctx.store.getState();
    expect(s.model?.fileName).toBe('resnet.onnx');
    expect(s.preset?.id).toBe('cifar10');
    expect(commands.run.enabled(s)).toBe(false); // no images yet

    await commands.addFiles.perform(ctx, images(40));
    expect(ctx.store.getState().labelSource).toMatch(/file names/);
    expect(commands.run.enabled(ctx.store.getState())).toBe(true);

    ctx.store.getState().setBatchSize(16);
    await commands.run.perform(ctx);
    const end = ctx.store.getState();
    expect(end.run.status).toBe('done');
    expect(end.run.done).toBe(40);
    expect(ctx.engine.requests[0].batchSize).toBe(16);
    expect(selectStats(end)).toMatchObject({ done: 40, labeled: 40, correct: 20, accuracy: 0.5 });
  });

  it('keeps the loaded model when a bad file is opened and shows a specific error', async () => {
    const ctx = setup();
    await commands.loadModel.perform(ctx, new Blob(['onnx']), 'good.onnx');
    await commands.loadModel.perform(ctx, new Blob(['hello']), 'notes.onnx');
    const s = ctx.store.getState();
    expect(s.model?.fileName).toBe('good.onnx');
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatchObject({ code: 'not-onnx', title: 'Could not load notes.onnx' });
    s.dismissError(s.errors[0].id);
    expect(ctx.store.getState().errors).toHaveLength(0);
  });

  it('cancels between batches and reports unreadable images once', async () => {
    const ctx = setup();
    await commands.loadModel.perform(ctx, new Blob(['onnx']), 'm.onnx');
    await commands.addFiles.perform(ctx, [...images(64), { file: new Blob(['x']), path: 'test/9999_bad.png' }]);
    ctx.store.getState().setBatchSize(4);
    const run = commands.run.perform(ctx);
    await new Promise((r) => setTimeout(r, 5));
    expect(commands.cancel.enabled(ctx.store.getState())).toBe(true);
    await commands.cancel.perform(ctx);
    await run;
    const s = ctx.store.getState();
    expect(s.run.status).toBe('cancelled');
    expect(s.run.done).toBeLessThan(65);

    await commands.run.perform(ctx);
    const t = ctx.store.getState();
    expect(t.run.status).toBe('done');
    expect(selectStats(t).failed).toBe(1);
    expect(t.errors.map((e) => e.code)).toEqual(['bad-image']);
    expect(t.errors[0].message).toContain('9999_bad.png');
  });

  it('says what is missing instead of running without a model', async () => {
    const ctx = setup();
    await commands.addFiles.perform(ctx, images(2));
    await commands.run.perform(ctx);
    expect(ctx.store.getState().errors[0].message).toMatch(/Load a model first/);
    await commands.addFiles.perform(ctx, [{ file: new Blob(['x']), path: 'readme.docx' }]);
    expect(ctx.store.getState().errors[1].message).toContain('readme.docx');
    expect(ctx.store.getState().images).toHaveLength(2);
  });
});
