// Job: float inference over the image set in the worker, batch by batch, with progress, ETA and
// cancellation; per-image decode failures are collected into one error at the end.
import { StudioError } from '../../engine/errors';
import type { AppContext } from '../store';
import { newJobId } from './job-control';

let current: Promise<void> | null = null;

export function runInference(ctx: AppContext): Promise<void> {
  const run = doRun(ctx);
  current = run.finally(() => {
    if (current === run) current = null;
  });
  return run;
}

async function doRun(ctx: AppContext): Promise<void> {
  const { store, engine } = ctx;
  const st = store.getState();
  if (st.run.status === 'running') return;
  if (!st.model || !st.preset || !st.images.length) {
    const what = !st.model ? 'a model' : !st.preset ? 'preprocessing settings for its input' : 'images';
    st.pushError('Cannot run yet', new StudioError('bad-input', `Load ${what} first (use the buttons at the top, drop files on the page, or try the demo).`));
    return;
  }
  const jobId = newJobId();
  const images = st.images;
  st.startRun(jobId, images.length);
  st.setFloatMaps([]);
  try {
    const summary = await engine.classify(
      { jobId, images: images.map((im) => ({ id: im.id, name: im.name, blob: im.blob })), preset: st.preset, batchSize: st.batchSize },
      (p) => {
        if (store.getState().run.jobId !== jobId) return;
        store.getState().addPredictions(p.done, p.predictions);
        if (p.classMaps) store.getState().setFloatMaps(p.classMaps);
      },
    );
    store.getState().finishRun(summary.cancelled ? 'cancelled' : 'done', summary.ms);
  } catch (e) {
    store.getState().finishRun('failed', Date.now() - store.getState().run.startedAt);
    store.getState().pushError('Inference failed', e);
    return;
  }
  reportFailedImages(ctx);
}

function reportFailedImages(ctx: AppContext): void {
  const s = ctx.store.getState();
  const failed = s.images.filter((im) => s.predictions[im.id]?.error);
  if (!failed.length) return;
  const first = failed.slice(0, 3).map((im) => s.predictions[im.id].error!.message);
  const more = failed.length > 3 ? `\n… and ${failed.length - 3} more (marked in the results).` : '';
  s.pushError(
    `${failed.length} of ${s.images.length} image${s.images.length > 1 ? 's' : ''} could not be read`,
    new StudioError('bad-image', first.join('\n') + more),
  );
}

/** Ask the worker to stop after its current batch; `wait` resolves when the run has ended. */
export async function cancelRun(ctx: AppContext, wait = false): Promise<void> {
  const st = ctx.store.getState();
  if (st.run.status !== 'running') return;
  st.requestCancel();
  await ctx.engine.cancel(st.run.jobId);
  if (wait && current) await current;
}
