// The float inference run: its status and progress (for the bar and ETA) and the top-1
// prediction of each image, merged in batch by batch as the worker reports them.
import type { Prediction } from '../worker/api';
import type { SliceCreator, StudioState } from './store';

export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface RunState {
  status: RunStatus;
  jobId: number;
  done: number;
  total: number;
  startedAt: number;
  /** Wall time of the finished run, ms. */
  ms: number;
  cancelRequested: boolean;
}

export interface InferenceSlice {
  run: RunState;
  predictions: Record<number, Prediction>;
  startRun: (jobId: number, total: number) => void;
  addPredictions: (done: number, preds: Prediction[]) => void;
  finishRun: (status: RunStatus, ms: number) => void;
  requestCancel: () => void;
}

export const createInferenceSlice: SliceCreator<InferenceSlice> = (set) => ({
  run: { status: 'idle', jobId: 0, done: 0, total: 0, startedAt: 0, ms: 0, cancelRequested: false },
  predictions: {},
  startRun: (jobId, total) =>
    set({ predictions: {}, run: { status: 'running', jobId, done: 0, total, startedAt: Date.now(), ms: 0, cancelRequested: false } }),
  addPredictions: (done, preds) =>
    set((s) => {
      const predictions = { ...s.predictions };
      for (const p of preds) predictions[p.id] = p;
      return { predictions, run: { ...s.run, done } };
    }),
  finishRun: (status, ms) => set((s) => ({ run: { ...s.run, status, ms, cancelRequested: false } })),
  requestCancel: () => set((s) => ({ run: { ...s.run, cancelRequested: true } })),
});

export interface RunStats {
  done: number;
  labeled: number;
  correct: number;
  failed: number;
  /** correct / labeled among finished images, or null when no finished image has a label. */
  accuracy: number | null;
}

/** Accuracy over the images finished so far (images with a known label only). */
export function selectStats(s: StudioState): RunStats {
  let done = 0;
  let labeled = 0;
  let correct = 0;
  let failed = 0;
  for (const im of s.images) {
    const p = s.predictions[im.id];
    if (!p) continue;
    done++;
    if (p.error) {
      failed++;
      continue;
    }
    if (im.label === undefined) continue;
    labeled++;
    if (p.top1 === im.label) correct++;
  }
  return { done, labeled, correct, failed, accuracy: labeled ? correct / labeled : null };
}
