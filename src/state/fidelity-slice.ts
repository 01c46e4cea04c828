// The quantized model's fidelity to the float one over the evaluation images (per output: SQNR,
// cosine, max error, arg-max agreement; dense outputs as class maps), measured when top-1 alone
// cannot judge the model: no labels, several outputs, or outputs that are not class scores [N, K].
import type { ModelSummary } from '../engine/types';
import { isClassifier, type OutputFidelity } from '../quant/fidelity';
import type { DensePreview } from '../worker/quant-api';
import type { ClassMapOutput } from '../worker/api';
import type { ImageItem } from './images-slice';
import type { CalibrationResult } from './quant-results-slice';
import type { SliceCreator, StudioState } from './store';

export interface EvalFidelityResult {
  /** The calibration (or reconstruction) it measured. */
  from: CalibrationResult;
  /** Which images it ran on (imageKey). */
  imageKey: string;
  /** Images done (unreadable ones included), out of `total`. */
  done: number;
  total: number;
  outputs: OutputFidelity[];
  dense: DensePreview[];
}

export interface FidelitySlice {
  evalFidelity: EvalFidelityResult | null;
  /** The last float run's dense outputs of its first image, as class maps (empty for other models). */
  floatMaps: ClassMapOutput[];
  setEvalFidelity: (f: EvalFidelityResult | null) => void;
  setFloatMaps: (maps: ClassMapOutput[]) => void;
}

export const createFidelitySlice: SliceCreator<FidelitySlice> = (set) => ({
  evalFidelity: null,
  floatMaps: [],
  setEvalFidelity: (evalFidelity) => set({ evalFidelity }),
  setFloatMaps: (floatMaps) => set({ floatMaps }),
});

const keys = new WeakMap<ImageItem[], string>();
/** The identity of an image list (its ids in order), cached per array. */
export function imageKey(images: ImageItem[]): string {
  let k = keys.get(images);
  if (k === undefined) keys.set(images, (k = images.map((im) => im.id).join(',')));
  return k;
}

/** One output of class scores [N, K]: top-1 says enough when labels exist. */
export const isClassifierModel = (m: ModelSummary): boolean => m.outputs.length === 1 && isClassifier(m.outputs[0].shape);

/** Evaluation measures fidelity when no image has a label or the model is not a one-output classifier. */
export function wantsFidelity(s: StudioState): boolean {
  return !!s.model && (!isClassifierModel(s.model) || !s.images.some((im) => im.label !== undefined));
}

/** The fidelity figures when they belong to the current calibration and evaluation images. */
export function currentFidelity(s: StudioState): EvalFidelityResult | null {
  const f = s.evalFidelity;
  return f && f.from === s.calibration && f.imageKey === imageKey(s.images) ? f : null;
}
