// Jobs that quantize and measure: calibrate (activation ranges and the per-layer table), then
// evaluate float and fake-quant top-1 side by side on the evaluation images; both cancellable.
import { StudioError } from '../../engine/errors';
import type { ImageJob } from '../../worker/api';
import type { AppContext } from '../store';
import { pickCalibration } from '../quant-config-slice';
import type { Top1s } from '../quant-results-slice';
import { anyJobRunning, currentFloat, currentQuant } from '../quant-selectors';
import { currentFidelity, imageKey, wantsFidelity } from '../fidelity-slice';
import { runJob } from './job-control';

const jobsOf = (images: { id: number; name: string; blob: Blob }[]): ImageJob[] => images.map((im) => ({ id: im.id, name: im.name, blob: im.blob }));

function refuse(ctx: AppContext, title: string, why: string): false {
  ctx.store.getState().pushError(title, new StudioError('bad-input', why));
  return false;
}

export async function calibrateModel(ctx: AppContext): Promise<boolean> {
  const st = ctx.store.getState();
  const title = 'Calibration failed';
  if (anyJobRunning(st)) return false;
  if (!st.model || !st.preset) return refuse(ctx, 'Cannot calibrate yet', `Load ${!st.model ? 'a model' : 'preprocessing settings for its input'} first.`);
  if (!st.calibImages.length) return refuse(ctx, 'Cannot calibrate yet', 'Choose calibration images first: image files, a folder or a .zip (a few hundred images of the training data).');
  const config = st.quantConfig;
  const preset = st.preset;
  const images = pickCalibration(st.calibImages, config.calibCount);
  return runJob(ctx, 'calib', title, images.length, async (jobId) => {
    const r = await ctx.engine.calibrate({ jobId, images: jobsOf(images), preset, batchSize: st.batchSize, config }, (p) => {
      const s = ctx.store.getState();
      if (s.jobs.calib.jobId === jobId) s.progressJob('calib', p.done, p.total, p.phase === 'activations' && p.pass ? `activations, pass ${p.pass + 1}` : p.phase);
    });
    if (!r.cancelled) ctx.store.getState().setCalibration({ config, preset, rows: r.rows, images: r.images, failed: r.failed.length, ms: r.ms });
    if (r.failed.length) {
      const first = r.failed.slice(0, 3).map((f) => f.message);
      const more = r.failed.length > 3 ? `\n… and ${r.failed.length - 3} more.` : '';
      ctx.store.getState().pushError(`${r.failed.length} calibration image${r.failed.length > 1 ? 's' : ''} could not be read and ${r.failed.length > 1 ? 'were' : 'was'} left out`, new StudioError('bad-image', first.join('\n') + more));
    }
    return r;
  });
}

export async function evaluateModel(ctx: AppContext): Promise<boolean> {
  const st = ctx.store.getState();
  if (anyJobRunning(st)) return false;
  if (!st.calibration) return refuse(ctx, 'Cannot evaluate yet', 'Calibrate first: the quantized model is made by calibration.');
  if (!st.images.length || !st.preset) return refuse(ctx, 'Cannot evaluate yet', 'Choose evaluation images first (labelled by file names, one folder per class, or a labels file).');
  // Only what is missing runs: float answers are kept while the model and preprocessing stay.
  const haveFloat = currentFloat(st) ?? {};
  const haveQuant = currentQuant(st) ?? {};
  // Fidelity (no labels, or not a one-output classifier) is measured over every image in one job.
  const done = currentFidelity(st);
  const fidelity = wantsFidelity(st) && !(done && done.done === done.total);
  const todo = fidelity ? st.images : st.images.filter((im) => haveQuant[im.id] === undefined || haveFloat[im.id] === undefined);
  const needFloat = fidelity || todo.some((im) => haveFloat[im.id] === undefined);
  const preset = st.preset;
  const from = st.calibration;
  const key = imageKey(st.images);
  const t0 = Date.now();
  return runJob(ctx, 'eval', 'Evaluation failed', todo.length, async (jobId) => {
    if (!todo.length) return { cancelled: false, ms: 0 };
    const r = await ctx.engine.evaluate({ jobId, images: jobsOf(todo), preset, batchSize: st.batchSize, float: needFloat, fidelity }, (p) => {
      const s = ctx.store.getState();
      if (s.jobs.eval.jobId !== jobId) return;
      const quant: Top1s = {};
      const float: Top1s = {};
      for (const x of p.predictions) {
        quant[x.id] = x.quant;
        if (x.float !== undefined) float[x.id] = x.float;
      }
      s.addEvalTop1(needFloat ? float : null, quant);
      if (p.fidelity) s.setEvalFidelity({ from, imageKey: key, done: p.done, total: p.total, outputs: p.fidelity, dense: p.dense ?? (s.evalFidelity?.from === from ? s.evalFidelity.dense : []) });
      s.progressJob('eval', p.done, p.total);
    });
    ctx.store.getState().setEvalMs((ctx.store.getState().evalQuant?.ms ?? 0) + (Date.now() - t0));
    return r;
  });
}
