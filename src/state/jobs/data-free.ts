// Data-free quantization from the page: SQuant (or round to nearest) with activation ranges from a
// noise pass, as a 'calib' job (progress, Cancel), its result replacing the calibration; the file
// names that say so; and a layer's weight levels for the level plot.
import { StudioError } from '../../engine/errors';
import type { DataFreeRounding, WeightLevelsView } from '../../worker/data-free-api';
import type { AppContext } from '../store';
import type { ExportOpset } from '../quant-config-slice';
import { quantFileName } from '../quant-config-slice';
import type { CalibrationResult } from '../quant-results-slice';
import { anyJobRunning } from '../quant-selectors';
import { runJob } from './job-control';

/** Images sent along for the layer table's activation SQNR (only the first batch is used). */
const SAMPLE_IMAGES = 32;

const PHASES = { weights: 'weights', activations: 'activations, noise', squant: 'SQuant', report: 'report' } as const;

/** Why data-free `rounding` cannot run now, or null. */
export function dataFreeBlocked(s: { quantConfig: { wLevels?: string } }, rounding: DataFreeRounding): string | null {
  return rounding === 'squant' && s.quantConfig.wLevels === 'apot' ? 'SQuant rounds on the uniform grid: set Weight levels to uniform, or use nearest rounding for data-free APoT.' : null;
}

export async function quantizeDataFree(ctx: AppContext, rounding: DataFreeRounding): Promise<boolean> {
  const st = ctx.store.getState();
  const title = rounding === 'squant' ? 'SQuant failed' : 'Data-free quantization failed';
  if (anyJobRunning(st)) return false;
  const blocked = !st.model || !st.preset ? `Load ${!st.model ? 'a model' : 'preprocessing settings for its input'} first.` : dataFreeBlocked(st, rounding);
  if (blocked || !st.preset) {
    st.pushError(`Cannot ${rounding === 'squant' ? 'run SQuant' : 'quantize'} yet`, new StudioError('bad-input', blocked ?? ''));
    return false;
  }
  const panel = st.quantConfig;
  const preset = st.preset;
  const sample = st.images.slice(0, Math.min(SAMPLE_IMAGES, st.batchSize)).map((im) => ({ id: im.id, name: im.name, blob: im.blob }));
  return runJob(ctx, 'calib', title, 1, async (jobId) => {
    const r = await ctx.engine.dataFree({ jobId, config: panel, rounding, preset, batchSize: st.batchSize, sample }, (p) => {
      const s = ctx.store.getState();
      if (s.jobs.calib.jobId === jobId) s.progressJob('calib', p.done, p.total, PHASES[p.phase]);
    });
    if (!r.cancelled) {
      const dataFree = { rounding, panel, noiseImages: r.noiseImages, squantMs: r.squantMs, sampleSource: r.sampleSource };
      ctx.store.getState().setCalibration({ config: r.config, preset, rows: r.rows, images: 0, failed: 0, ms: r.ms, dataFree });
    }
    return r;
  });
}

/** The method part of a file name: 'squant', '<observer>-datafree', or none (the observers). */
export function roundingTag(c: CalibrationResult): string | undefined {
  if (!c.dataFree) return undefined;
  return c.dataFree.rounding === 'squant' ? 'squant' : `${c.config.wObserver}-datafree`;
}

/** The download's name for a calibration (data-free, APoT and reconstruction included). */
export function calibrationFileName(modelFile: string, c: CalibrationResult, opset: ExportOpset, ext = '.onnx'): string {
  return quantFileName(modelFile, c.config, opset, ext, c.recon?.cfg.method, roundingTag(c));
}

/** One layer's channel with its uniform and APoT levels, or null (the error is shown). */
export async function fetchWeightLevels(ctx: AppContext, layer: string, channel: number, bins: number): Promise<WeightLevelsView | null> {
  try {
    return await ctx.engine.weightLevels(layer, channel, bins);
  } catch (e) {
    ctx.store.getState().pushError(`Could not read the weights of ${layer}`, e);
    return null;
  }
}
