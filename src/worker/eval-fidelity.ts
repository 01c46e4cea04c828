// Dense outputs and fidelity in the worker: arg-max class maps of one image's dense class scores
// (float runs; float beside quantized in evaluation) and the per-output figures of an evaluation
// job (src/quant/fidelity.ts).
import type { HostTensor } from '../engine/types';
import { argmaxAxis1, FidelityAccumulator, isDense, type OutputFidelity } from '../quant/fidelity';
import type { ClassMapOutput } from './api';
import type { DensePreview } from './quant-api';

/** More classes than this do not fit a Uint8Array map (and are not segmentation scores). */
const MAX_CLASSES = 256;

/** Image `row` of a dense output [N, C, H, W] (2 ≤ C ≤ 256) as its arg-max class per pixel; null for other outputs. */
function classMap(t: HostTensor, row: number): Uint8Array | null {
  if (!isDense(t.shape) || t.shape[1] > MAX_CLASSES) return null;
  const [, c, h, w] = t.shape;
  const per = c * h * w;
  return Uint8Array.from(argmaxAxis1(t.data.subarray(row * per, (row + 1) * per), 1, c, h * w));
}

/** The float run's class maps of its first image (image id `id`, row 0), one per dense output. */
export function floatClassMaps(outputs: Record<string, HostTensor>, id: number): ClassMapOutput[] {
  const out: ClassMapOutput[] = [];
  for (const [name, t] of Object.entries(outputs)) {
    const map = classMap(t, 0);
    if (map) out.push({ output: name, id, classes: t.shape[1], width: t.shape[3], height: t.shape[2], map });
  }
  return out;
}

/** The arg-max class maps of image `row` of every dense output, float and quantized. */
export function densePreviews(float: Record<string, HostTensor>, quant: Record<string, HostTensor>, row: number, id: number): DensePreview[] {
  const out: DensePreview[] = [];
  for (const [name, f] of Object.entries(float)) {
    const fm = classMap(f, row);
    const qm = quant[name] ? classMap(quant[name], row) : null;
    if (fm && qm) out.push({ output: name, id, classes: f.shape[1], width: f.shape[3], height: f.shape[2], float: fm, quant: qm });
  }
  return out;
}

/** Accumulates one evaluation job's float and quantized outputs. */
export class EvalFidelity {
  private acc = new FidelityAccumulator();
  private previewSent = false;

  /**
   * One batch of `n` readable images (rows past n are padding); `ids` are their image ids. Returns
   * the figures so far and, the first time, the dense previews of the batch's first image.
   */
  add(float: Record<string, HostTensor>, quant: Record<string, HostTensor>, ids: number[]): { fidelity: OutputFidelity[]; dense?: DensePreview[] } {
    this.acc.add(float, quant, ids.length);
    const fidelity = this.acc.result();
    if (this.previewSent || !ids.length) return { fidelity };
    this.previewSent = true;
    return { fidelity, dense: densePreviews(float, quant, 0, ids[0]) };
  }
}
