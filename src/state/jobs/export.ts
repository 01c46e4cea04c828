// Jobs that hand results out: the quantized model as QDQ .onnx (opset 13, or 21 with int4
// weights), the JSON report, and a check of the exported file in onnxruntime-web on the
// evaluation images.
import { StudioError } from '../../engine/errors';
import type { AppContext } from '../store';
import { calibrationFileName } from './data-free';
import type { ExportedModel, Top1s } from '../quant-results-slice';
import { anyJobRunning } from '../quant-selectors';
import { runJob } from './job-control';
import { buildReport } from './report';

/** The page's way to save a file: a temporary link with the download attribute. */
export function browserSave(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const save = (ctx: AppContext, blob: Blob, name: string) => (ctx.save ?? browserSave)(blob, name);

/** Export the current calibration in the chosen format (once; the same export is reused). */
export async function exportModel(ctx: AppContext): Promise<ExportedModel | null> {
  const st = ctx.store.getState();
  const from = st.calibration;
  if (!from || !st.model) {
    st.pushError('Nothing to export yet', new StudioError('bad-input', 'Calibrate first: the exported model carries the calibrated scales and zero points.'));
    return null;
  }
  const opset = st.exportOpset;
  if (st.exported && st.exported.from === from && st.exported.opset === opset) return st.exported;
  try {
    const r = await ctx.engine.exportModel(opset);
    const exported: ExportedModel = {
      fileName: calibrationFileName(st.model.fileName, from, opset),
      opset,
      blob: new Blob([r.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
      fallbacks: r.fallbacks,
      ms: r.ms,
      from,
    };
    if (ctx.store.getState().calibration !== from) return null; // recalibrated meanwhile
    ctx.store.getState().setExported(exported);
    return exported;
  } catch (e) {
    ctx.store.getState().pushError('Export failed', e);
    return null;
  }
}

export async function downloadModel(ctx: AppContext): Promise<void> {
  const e = await exportModel(ctx);
  if (e) save(ctx, e.blob, e.fileName);
}

export async function downloadReport(ctx: AppContext): Promise<void> {
  const st = ctx.store.getState();
  if (!st.calibration || !st.model) {
    st.pushError('No report yet', new StudioError('bad-input', 'Calibrate first: the report describes a calibrated model.'));
    return;
  }
  const report = buildReport(st);
  const name = calibrationFileName(st.model.fileName, st.calibration, st.exported?.opset ?? st.exportOpset, '.report.json');
  save(ctx, new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }), name);
}

/** Run the exported file in onnxruntime-web (WASM) on the evaluation images. */
export async function verifyExport(ctx: AppContext): Promise<boolean> {
  const st = ctx.store.getState();
  if (anyJobRunning(st)) return false;
  if (!st.images.length || !st.preset) {
    st.pushError('Cannot check yet', new StudioError('bad-input', 'Choose evaluation images first: the exported model is checked on them.'));
    return false;
  }
  const exported = await exportModel(ctx);
  if (!exported) return false;
  const images = st.images;
  const preset = st.preset;
  const t0 = Date.now();
  return runJob(ctx, 'verify', 'onnxruntime-web could not run the exported model', images.length, async (jobId) => {
    const r = await ctx.engine.verify({ jobId, model: exported.blob, images: images.map((im) => ({ id: im.id, name: im.name, blob: im.blob })), preset, batchSize: st.batchSize }, (p) => {
      const s = ctx.store.getState();
      if (s.jobs.verify.jobId !== jobId || s.exported !== exported) return;
      const top1: Top1s = {};
      for (const x of p.predictions) top1[x.id] = x.top1;
      s.addVerifyTop1(top1);
      s.progressJob('verify', p.done, p.total);
    });
    ctx.store.getState().setVerifyMs(Date.now() - t0);
    return r;
  });
}
