// Float and quantized outputs of the same batches side by side: top-1 of each (the first output,
// where labels exist) and every output's fidelity (src/quant/fidelity.ts). The quantized side is
// the engine's fake-quant graph, or another runner (the engine or onnxruntime on a QDQ file).
import type { ImageSet } from '../data/image-set-node';
import { isStudioError, StudioError } from '../engine/errors';
import { Session } from '../engine/session';
import type { HostTensor } from '../engine/types';
import type { Gpu } from '../gpu/gpu';
import { FidelityAccumulator, type OutputFidelity } from '../quant/fidelity';
import { argmax, feedOf, ortRunner, type ModelIo, type Top1 } from './top1';
export { ortRunner } from './top1';

/** Runs one batch (already padded to a fixed batch size) and returns every output by name. */
export type Runner = (feed: HostTensor) => Promise<Record<string, HostTensor>>;

export interface Comparison {
  float: Top1;
  quant: Top1;
  fidelity: OutputFidelity[];
  /** With an `exported` runner: its top-1 and each of its outputs' fidelity to the quantized (studio) one. */
  exported?: { top1: Top1; fidelity: OutputFidelity[] };
  seconds: number;
}

/** The engine's float graph, or its fake-quantized graph with quant. */
export const engineRunner = (session: Session, io: ModelIo, quant = false): Runner => (feed) => session.run({ [io.input]: feed }, { quant });

class Top1Tally {
  predictions: Int32Array;
  correct = 0;
  labeled = 0;
  constructor(count: number) {
    this.predictions = new Int32Array(count);
  }
  add(logits: HostTensor, at: number, labels: (number | undefined)[]): void {
    const k = logits.data.length / Math.max(1, logits.shape[0] ?? 1);
    labels.forEach((label, i) => {
      const p = argmax(logits.data, i * k, k);
      this.predictions[at + i] = p;
      if (label === undefined) return;
      this.labeled++;
      if (p === label) this.correct++;
    });
  }
  top1(images: number, seconds: number): Top1 {
    return { correct: this.correct, labeled: this.labeled, images, predictions: this.predictions.subarray(0, images), seconds };
  }
}

/** Both runners on every batch of `set`; top-1 from the output `io.output`, fidelity of every output. */
export async function compareOutputs(
  set: ImageSet,
  io: ModelIo,
  batch: number,
  float: Runner,
  quant: Runner,
  onProgress?: (done: number, total: number, quantTop1: number | null) => void,
  exported?: Runner,
): Promise<Comparison> {
  const acc = new FidelityAccumulator();
  const accExported = new FidelityAccumulator();
  const f = new Top1Tally(set.count);
  const q = new Top1Tally(set.count);
  const e = new Top1Tally(set.count);
  let done = 0;
  const start = performance.now();
  for (const b of set.batches(io.fixedBatch ?? batch)) {
    const feed = feedOf(b, io.fixedBatch);
    const fo = await float(feed);
    const qo = await quant(feed);
    const pick = (o: Record<string, HostTensor>) => {
      const t = o[io.output] ?? Object.values(o)[0];
      if (!t) throw new StudioError('bad-input', `the model returned no output "${io.output}"`);
      return t;
    };
    f.add(pick(fo), done, b.labels);
    q.add(pick(qo), done, b.labels);
    acc.add(fo, qo, b.names.length);
    if (exported) {
      const eo = await exported(feed);
      e.add(pick(eo), done, b.labels);
      accExported.add(qo, eo, b.names.length);
    }
    done += b.names.length;
    onProgress?.(done, set.count, q.labeled ? q.correct / q.labeled : null);
  }
  const seconds = (performance.now() - start) / 1000;
  const ex = exported ? { exported: { top1: e.top1(done, seconds), fidelity: accExported.result() } } : {};
  return { float: f.top1(done, seconds), quant: q.top1(done, seconds), fidelity: acc.result(), ...ex, seconds };
}

/**
 * A runner for a quantized .onnx file: the engine when it loads the file, else onnxruntime-node
 * (CPU) when that is installed. `engine` says which ran; the session is freed by `dispose`.
 */
export async function fileRunner(gpu: Gpu, bytes: Uint8Array, name: string, io: ModelIo): Promise<{ run: Runner; engine: 'quant-studio' | 'onnxruntime-node'; why?: string; dispose: () => Promise<void> }> {
  let why: string;
  try {
    const s = await Session.load(gpu, bytes, name);
    const input = s.summary.inputs[0]?.name ?? io.input;
    return { run: (feed) => s.run({ [input]: feed }), engine: 'quant-studio', dispose: async () => s.dispose() };
  } catch (e) {
    if (!isStudioError(e) || e.code !== 'unsupported-ops') throw e;
    why = e.message;
  }
  const o = await ortRunner(bytes, io);
  if (!o) throw new StudioError('unsupported-ops', `${why} onnxruntime-node (npm install onnxruntime-node) could run it instead, but it is not installed.`, name);
  return { ...o, engine: 'onnxruntime-node', why };
}
