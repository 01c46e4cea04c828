// The quantization commands (registered with the others in commands.ts): choose calibration images,
// calibrate (or data-free: SQuant, nearest), evaluate, download the model and report, check it in onnxruntime-web.
import type { Command } from './commands';
import type { StudioState } from './store';
import type { PickedFile } from './jobs/images';
import { cancelJob } from './jobs/job-control';
import { evalImagesForCalib, setCalibFiles } from './jobs/quant-setup';
import { calibrateModel, evaluateModel } from './jobs/quantize';
import { dataFreeBlocked, quantizeDataFree } from './jobs/data-free';
import { downloadModel, downloadReport, verifyExport } from './jobs/export';
import { anyJobRunning } from './quant-selectors';

const idle = (s: StudioState) => s.modelLoading === null && !anyJobRunning(s);
const calibrated = (s: StudioState) => s.calibration !== null;
const isEsc = (e: KeyboardEvent) => e.key === 'Escape';

export const quantCommands = {
  setCalibFiles: {
    name: 'setCalibFiles',
    label: 'Choose calibration images…',
    enabled: (s) => s.jobs.calib.status !== 'running',
    perform: (ctx, files: PickedFile[]) => setCalibFiles(ctx, files),
  } satisfies Command<[PickedFile[]]>,

  useEvalForCalib: {
    name: 'useEvalForCalib',
    label: 'Use the evaluation images',
    enabled: (s) => s.images.length > 0 && s.jobs.calib.status !== 'running',
    perform: (ctx) => evalImagesForCalib(ctx),
  } satisfies Command,

  clearCalibImages: {
    name: 'clearCalibImages',
    label: 'Clear',
    enabled: (s) => s.calibImages.length > 0 && s.jobs.calib.status !== 'running',
    perform: (ctx) => ctx.store.getState().setCalibImages([]),
  } satisfies Command,

  calibrate: {
    name: 'calibrate',
    label: 'Calibrate',
    enabled: (s) => idle(s) && s.model !== null && s.preset !== null && s.calibImages.length > 0 && s.device.status === 'ready',
    perform: (ctx) => calibrateModel(ctx),
  } satisfies Command,

  /** No images: weight grids from the weights, activation ranges from a noise pass, SQuant's rounding. */
  squantDataFree: {
    name: 'squantDataFree',
    label: 'SQuant (data-free)',
    enabled: (s) => idle(s) && s.model !== null && s.preset !== null && s.device.status === 'ready' && dataFreeBlocked(s, 'squant') === null,
    perform: (ctx) => quantizeDataFree(ctx, 'squant'),
  } satisfies Command,

  /** The data-free baseline: the same noise ranges, round to nearest on the configured grid (uniform or APoT). */
  nearestDataFree: {
    name: 'nearestDataFree',
    label: 'Nearest (data-free)',
    enabled: (s) => idle(s) && s.model !== null && s.preset !== null && s.device.status === 'ready',
    perform: (ctx) => quantizeDataFree(ctx, 'nearest'),
  } satisfies Command,

  cancelCalibration: {
    name: 'cancelCalibration',
    label: 'Cancel calibration',
    shortcut: 'Esc',
    keyTest: isEsc,
    enabled: (s) => s.jobs.calib.status === 'running' && !s.jobs.calib.cancelRequested,
    perform: (ctx) => cancelJob(ctx, 'calib'),
  } satisfies Command,

  evaluate: {
    name: 'evaluate',
    label: 'Evaluate',
    enabled: (s) => idle(s) && calibrated(s) && s.images.length > 0 && s.preset !== null,
    perform: (ctx) => evaluateModel(ctx),
  } satisfies Command,

  cancelEvaluation: {
    name: 'cancelEvaluation',
    label: 'Cancel evaluation',
    shortcut: 'Esc',
    keyTest: isEsc,
    enabled: (s) => s.jobs.eval.status === 'running' && !s.jobs.eval.cancelRequested,
    perform: (ctx) => cancelJob(ctx, 'eval'),
  } satisfies Command,

  downloadModel: {
    name: 'downloadModel',
    label: 'Download .onnx',
    enabled: (s) => calibrated(s) && s.jobs.calib.status !== 'running' && s.jobs.recon.status !== 'running',
    perform: (ctx) => downloadModel(ctx),
  } satisfies Command,

  downloadReport: {
    name: 'downloadReport',
    label: 'Download report (.json)',
    enabled: (s) => calibrated(s) && s.jobs.calib.status !== 'running' && s.jobs.recon.status !== 'running',
    perform: (ctx) => downloadReport(ctx),
  } satisfies Command,

  verify: {
    name: 'verify',
    label: 'Check in onnxruntime-web',
    enabled: (s) => idle(s) && calibrated(s) && s.images.length > 0 && s.preset !== null,
    perform: (ctx) => verifyExport(ctx),
  } satisfies Command,

  cancelVerify: {
    name: 'cancelVerify',
    label: 'Cancel check',
    shortcut: 'Esc',
    keyTest: isEsc,
    enabled: (s) => s.jobs.verify.status === 'running' && !s.jobs.verify.cancelRequested,
    perform: (ctx) => cancelJob(ctx, 'verify'),
  } satisfies Command,
};
