// Top-1 accuracy of a model on an image set: our engine (float or fake-quantized) and
// onnxruntime-node on an .onnx file, fed the same preprocessed batches.
import type { ImageBatch, ImageSet } from '../data/image-set-node';
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';

export interface Top1 {
  correct: number;
  /** Images with a label (the denominator of top-1). */
  labeled: number;
  images: number;
  /** Arg-max class of each image, in set order. */
  predictions: Int32Array;
  seconds: number;
}

/** correct/labeled, or null without labels. */
export const top1Rate = (t: Top1 | null | undefined): number | null => (t && t.labeled ? t.correct / t.labeled : null);

/** Images on which two runs predict the same class. */
export function agreement(a: Top1, b: Top1): number {
  let n = 0;
  for (let i = 0; i < Math.min(a.predictions.length, b.predictions.length); i++) if (a.predictions[i] === b.predictions[i]) n++;
  return n;
}

export interface ModelIo {
  input: string;
  output: string;
  /** The input's batch size when the model fixes it. */
  fixedBatch?: number;
}

export interface Top1Options {
  batch: number;
  onProgress?: (done: number, total: number, top1: number | null) => void;
}

/** A batch as the model's input: zero padding up to a fixed batch size. */
export function feedOf(b: ImageBatch, fixedBatch?: number): HostTensor {
  const n = b.shape[0];
  if (fixedBatch === undefined || fixedBatch === n) return { data: b.data, shape: b.shape };
  const data = new Float32Array((b.data.length / n) * fixedBatch);
  data.set(b.data);
  return { data, shape: [fixedBatch, ...b.shape.slice(1)] };
}

async function top1Of(set: ImageSet, batch: number, logitsOf: (b: ImageBatch) => Promise<HostTensor>, opts: Top1Options): Promise<Top1> {
  const predictions = new Int32Array(set.count);
  let correct = 0;
  let labeled = 0;
  let done = 0;
  const start = performance.now();
  for (const b of set.batches(batch)) {
    const logits = await logitsOf(b);
    const n = b.names.length;
    const k = logits.data.length / Math.max(1, logits.shape[0] ?? 1);
    for (let i = 0; i < n; i++) {
      const p = argmax(logits.data, i * k, k);
      predictions[done + i] = p;
      const label = b.labels[i];
      if (label === undefined) continue;
      labeled++;
      if (p === label) correct++;
    }
    done += n;
    opts.onProgress?.(done, set.count, labeled ? correct / labeled : null);
  }
  return { correct, labeled, images: done, predictions, seconds: (performance.now() - start) / 1000 };
}

/** Top-1 of the engine's float graph, or (quant: true) of its fake-quantized graph. */
export function engineTop1(session: Session, io: ModelIo, set: ImageSet, opts: Top1Options & { quant?: boolean }): Promise<Top1> {
  return top1Of(set, io.fixedBatch ?? opts.batch, async (b) => {
    const outputs = await session.run({ [io.input]: feedOf(b, io.fixedBatch) }, { quant: opts.quant });
    const logits = outputs[io.output] ?? Object.values(outputs)[0];
    if (!logits) throw new StudioError('bad-input', `the model returned no output "${io.output}"`);
    return logits;
  }, opts);
}

/** onnxruntime-node (CPU) on a model's bytes: every output of one batch by name; null when onnxruntime-node is not installed. */
export async function ortRunner(bytes: Uint8Array, io: Pick<ModelIo, 'input'>): Promise<{ run: (feed: HostTensor) => Promise<Record<string, HostTensor>>; dispose: () => Promise<void> } | null> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return null;
  }
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const input = session.inputNames.includes(io.input) ? io.input : session.inputNames[0];
  const run = async (feed: HostTensor) => {
    const r = await session.run({ [input]: new ort.Tensor('float32', feed.data, feed.shape) });
    return Object.fromEntries(session.outputNames.map((n) => [n, { data: r[n].data as Float32Array, shape: r[n].dims.map(Number) }]));
  };
  return { run, dispose: () => session.release() };
}

/** Top-1 of onnxruntime-node (CPU) on model bytes; null when onnxruntime-node is not installed. */
export async function onnxruntimeTop1(bytes: Uint8Array, io: ModelIo, set: ImageSet, opts: Top1Options): Promise<Top1 | null> {
  const ort = await ortRunner(bytes, io);
  if (!ort) return null;
  try {
    return await top1Of(set, io.fixedBatch ?? opts.batch, async (b) => {
      const r = await ort.run(feedOf(b, io.fixedBatch));
      return r[io.output] ?? Object.values(r)[0];
    }, opts);
  } finally {
    await ort.dispose();
  }
}

export function argmax(x: Float32Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (x[offset + j] > x[offset + best]) best = j;
  return best;
}
