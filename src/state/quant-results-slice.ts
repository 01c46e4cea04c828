// The quantization jobs (calibrate, evaluate, verify in onnxruntime-web) with their progress, and
// what they produced: the per-layer table, float and quantized top-1 per image, the exported file.
import type { ModelSummary } from '../engine/types';
import type { Preset } from '../data/presets';
import type { QuantConfig } from '../quant/types';
import type { QuantLayerRow } from '../worker/quant-api';
import type { DataFreeRounding } from '../worker/data-free-api';
import type { ReconConfig } from '../recon/reconstruct';
import type { RunState, RunStatus } from './inference-slice';
import type { ExportOpset } from './quant-config-slice';
import type { SliceCreator } from './store';

export type QuantJobKind = 'calib' | 'eval' | 'verify' | 'recon';

export interface QuantJob extends RunState {
  /** Calibration: 'weights', 'activations' (with its pass) or 'report'. */
  phase?: string;
}

export interface CalibrationResult {
  /** The configuration and preprocessing it was calibrated with. */
  config: QuantConfig;
  preset: Preset;
  rows: QuantLayerRow[];
  images: number;
  failed: number;
  ms: number;
  /** Set when it was quantized with no data (activation ranges from a noise pass); `config` is then what ran, `panel` what the panel said. */
  dataFree?: { rounding: DataFreeRounding; panel: QuantConfig; noiseImages: number; squantMs: number | null; sampleSource: 'images' | 'noise' };
  /** Set when the worker's quantized model is a reconstruction of `base` (the calibration itself). */
  recon?: { base: CalibrationResult; runId: number; cfg: ReconConfig };
}

export interface ExportedModel {
  fileName: string;
  opset: ExportOpset;
  blob: Blob;
  fallbacks: string[];
  ms: number;
  /** The calibration it was exported from. */
  from: CalibrationResult;
}

/** Top-1 per image id (-1: unreadable). */
export type Top1s = Record<number, number>;

export interface QuantResultsSlice {
  jobs: Record<QuantJobKind, QuantJob>;
  calibration: CalibrationResult | null;
  /** Float answers, valid while the model and preset they were computed with are loaded. */
  evalFloat: { model: ModelSummary; preset: Preset; top1: Top1s } | null;
  /** Quantized answers of the current calibration. */
  evalQuant: { from: CalibrationResult; top1: Top1s; ms: number } | null;
  exported: ExportedModel | null;
  /** What onnxruntime-web's WebGPU EP runs on WASM, for the current calibration and format. */
  fallbacks: { from: CalibrationResult; opset: ExportOpset; lines: string[] } | null;
  /** onnxruntime-web's answers on the exported file. */
  verified: { from: ExportedModel; top1: Top1s; ms: number } | null;
  startJob: (kind: QuantJobKind, jobId: number, total: number) => void;
  progressJob: (kind: QuantJobKind, done: number, total: number, phase?: string) => void;
  finishJob: (kind: QuantJobKind, status: RunStatus, ms: number) => void;
  requestJobCancel: (kind: QuantJobKind) => void;
  setCalibration: (c: CalibrationResult) => void;
  addEvalTop1: (float: Top1s | null, quant: Top1s) => void;
  setEvalMs: (ms: number) => void;
  setExported: (e: ExportedModel) => void;
  addVerifyTop1: (top1: Top1s) => void;
  setVerifyMs: (ms: number) => void;
  setFallbacks: (f: { from: CalibrationResult; opset: ExportOpset; lines: string[] }) => void;
  resetQuantResults: () => void;
}

const idle: QuantJob = { status: 'idle', jobId: 0, done: 0, total: 0, startedAt: 0, ms: 0, cancelRequested: false };

export const createQuantResultsSlice: SliceCreator<QuantResultsSlice> = (set) => ({
  jobs: { calib: idle, eval: idle, verify: idle, recon: idle },
  calibration: null,
  evalFloat: null,
  evalQuant: null,
  exported: null,
  fallbacks: null,
  verified: null,
  startJob: (kind, jobId, total) =>
    set((s) => ({ jobs: { ...s.jobs, [kind]: { status: 'running', jobId, done: 0, total, startedAt: Date.now(), ms: 0, cancelRequested: false } } })),
  progressJob: (kind, done, total, phase) => set((s) => ({ jobs: { ...s.jobs, [kind]: { ...s.jobs[kind], done, total, phase } } })),
  finishJob: (kind, status, ms) => set((s) => ({ jobs: { ...s.jobs, [kind]: { ...s.jobs[kind], status, ms, cancelRequested: false } } })),
  requestJobCancel: (kind) => set((s) => ({ jobs: { ...s.jobs, [kind]: { ...s.jobs[kind], cancelRequested: true } } })),
  // A new calibration makes the quantized answers, the exported file and its check stale.
  setCalibration: (calibration) => set({ calibration, evalQuant: null, exported: null, verified: null }),
  addEvalTop1: (float, quant) =>
    set((s) => {
      const from = s.calibration!;
      const q = s.evalQuant?.from === from ? s.evalQuant : { from, top1: {}, ms: 0 };
      const f = float && s.model && s.preset ? { model: s.model, preset: s.preset, top1: { ...(s.evalFloat?.top1 ?? {}), ...float } } : s.evalFloat;
      return { evalQuant: { ...q, top1: { ...q.top1, ...quant } }, evalFloat: f };
    }),
  setEvalMs: (ms) => set((s) => (s.evalQuant ? { evalQuant: { ...s.evalQuant, ms } } : {})),
  // Exporting the same calibration in the same format again gives the same bytes: its check still holds.
  setExported: (exported) =>
    set((s) => {
      const v = s.verified;
      return { exported, verified: v && v.from.from === exported.from && v.from.opset === exported.opset ? { ...v, from: exported } : null };
    }),
  addVerifyTop1: (top1) =>
    set((s) => {
      const from = s.exported!;
      const v = s.verified?.from === from ? s.verified : { from, top1: {}, ms: 0 };
      return { verified: { ...v, top1: { ...v.top1, ...top1 } } };
    }),
  setVerifyMs: (ms) => set((s) => (s.verified ? { verified: { ...s.verified, ms } } : {})),
  setFallbacks: (fallbacks) => set({ fallbacks }),
  resetQuantResults: () => set({ calibration: null, evalFloat: null, evalQuant: null, exported: null, fallbacks: null, verified: null }),
});
