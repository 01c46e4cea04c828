// Derived figures of the quantization results over the current evaluation images: float and
// quantized top-1, agreement between them, and onnxruntime-web's top-1 on the exported file.
import type { StudioState } from './store';
import type { Top1s } from './quant-results-slice';

export interface EvalStats {
  /** Images with answers so far (from both models when the float ones are wanted). */
  done: number;
  failed: number;
  labeled: number;
  floatCorrect: number;
  quantCorrect: number;
  /** Images whose quantized top-1 equals the float top-1, out of `compared`. */
  agree: number;
  compared: number;
}

/** The float answers when they belong to the loaded model and preprocessing. */
export function currentFloat(s: StudioState): Top1s | null {
  const f = s.evalFloat;
  return f && f.model === s.model && f.preset === s.preset ? f.top1 : null;
}

/** The quantized answers when they belong to the current calibration. */
export function currentQuant(s: StudioState): Top1s | null {
  const q = s.evalQuant;
  return q && q.from === s.calibration ? q.top1 : null;
}

export function selectEvalStats(s: StudioState): EvalStats {
  const float = currentFloat(s) ?? {};
  const quant = currentQuant(s) ?? {};
  const st: EvalStats = { done: 0, failed: 0, labeled: 0, floatCorrect: 0, quantCorrect: 0, agree: 0, compared: 0 };
  for (const im of s.images) {
    const q = quant[im.id];
    const f = float[im.id];
    if (q === undefined || f === undefined) continue;
    st.done++;
    if (q < 0 || f < 0) {
      st.failed++;
      continue;
    }
    st.compared++;
    if (q === f) st.agree++;
    if (im.label === undefined) continue;
    st.labeled++;
    if (f === im.label) st.floatCorrect++;
    if (q === im.label) st.quantCorrect++;
  }
  return st;
}

export interface VerifyStats {
  done: number;
  labeled: number;
  correct: number;
  /** Images where onnxruntime-web's top-1 differs from the studio's quantized top-1. */
  differ: number;
}

export function selectVerifyStats(s: StudioState): VerifyStats {
  const v = s.verified;
  const st: VerifyStats = { done: 0, labeled: 0, correct: 0, differ: 0 };
  if (!v || v.from !== s.exported || v.from.from !== s.calibration) return st;
  const quant = currentQuant(s) ?? {};
  for (const im of s.images) {
    const t = v.top1[im.id];
    if (t === undefined) continue;
    st.done++;
    if (quant[im.id] !== undefined && quant[im.id] !== t) st.differ++;
    if (t < 0 || im.label === undefined) continue;
    st.labeled++;
    if (t === im.label) st.correct++;
  }
  return st;
}

/** Any job that uses the worker's session is running (they take turns). */
export function anyJobRunning(s: StudioState): boolean {
  return s.run.status === 'running' || Object.values(s.jobs).some((j) => j.status === 'running');
}

/** The calibration no longer matches what the configuration panel says. */
export function calibrationStale(s: StudioState): boolean {
  const c = s.calibration;
  return !!c && (c.preset !== s.preset || JSON.stringify(c.dataFree?.panel ?? c.config) !== JSON.stringify(s.quantConfig));
}
