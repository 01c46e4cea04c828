// The loaded model (its summary; the Session itself lives in the worker) and the preprocessing
// the page feeds it: a preset prefilled from the model's input shape, editable, and a batch size.
import type { ModelSummary } from '../engine/types';
import type { Preset } from '../data/presets';
import type { SliceCreator } from './store';

export interface ModelSlice {
  model: ModelSummary | null;
  modelBytes: number;
  /** sha256 (hex) of the model file: what checkpoints are matched by, not the file name. */
  modelSha256: string | null;
  /** File name of the model being loaded right now, or null. */
  modelLoading: string | null;
  preset: Preset | null;
  batchSize: number;
  setModel: (model: ModelSummary, bytes: number, preset: Preset | null, sha256?: string | null) => void;
  setModelLoading: (name: string | null) => void;
  setPreset: (preset: Preset) => void;
  editPreset: (patch: Partial<Preset>) => void;
  setBatchSize: (n: number) => void;
}

export const createModelSlice: SliceCreator<ModelSlice> = (set) => ({
  model: null,
  modelBytes: 0,
  modelSha256: null,
  modelLoading: null,
  preset: null,
  batchSize: 16,
  setModel: (model, modelBytes, preset, modelSha256 = null) => set({ model, modelBytes, preset, modelSha256 }),
  setModelLoading: (modelLoading) => set({ modelLoading }),
  setPreset: (preset) => set({ preset }),
  // Any hand edit makes the preset custom (but keeps its class names).
  editPreset: (patch) =>
    set((s) => (s.preset ? { preset: { ...s.preset, ...patch, id: 'custom', label: 'custom' } } : {})),
  setBatchSize: (n) => set({ batchSize: Math.max(1, Math.min(256, Math.round(n) || 1)) }),
});
