// The engine worker: owns the GPU device and the loaded Session, decodes and preprocesses images
// and runs batches, so the page's thread never touches the GPU. Exposed with comlink (api.ts).
import * as Comlink from 'comlink';
import { Gpu, adapterLabel } from '../gpu/gpu';
import { Session } from '../engine/session';
import { summarize } from '../engine/summary';
import type { ModelSummary } from '../engine/types';
import { normalizeGraph } from '../graph/normalize';
import { readModel } from '../onnx/read';
import { StudioError, isStudioError } from '../engine/errors';
import { decodeImageBrowser } from '../data/decode-browser';
import { batchImages, preprocess } from '../data/image';
import { checkPresetFits, type Preset } from '../data/presets';
import { installErrorTransfer } from './error-transfer';
import type { ClassifyRequest, ClassifySummary, ClassifyProgress, DeviceStatus, EngineApi, ImageJob, Prediction } from './api';

installErrorTransfer();

const gpu: Promise<Gpu> = Gpu.create(self.navigator.gpu, 'this browser');
gpu.catch(() => undefined); // reported through device() and loadModel()

let session: Session | null = null;
let runs = 0; // classify calls in flight: a new model waits for them before the old one is freed
const cancelled = new Set<number>();

/** A decoded, preprocessed image or the reason it could not be. */
type Prepared = { id: number; x: Float32Array } | { id: number; error: { code: string; message: string } };

async function prepare(images: ImageJob[], preset: Preset): Promise<Prepared[]> {
  return Promise.all(
    images.map(async (img): Promise<Prepared> => {
      try {
        return { id: img.id, x: preprocess(await decodeImageBrowser(img.blob, img.name), preset) };
      } catch (e) {
        const code = isStudioError(e) ? e.code : 'bad-image';
        return { id: img.id, error: { code, message: (e as Error).message || String(e) } };
      }
    }),
  );
}

/** Arg-max and its softmax probability for each row of [n, k] logits. */
function top1(logits: Float32Array, n: number): { top1: number; prob: number }[] {
  const k = logits.length / n;
  const out = [];
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(row[j] - row[best]);
    out.push({ top1: best, prob: 1 / sum });
  }
  return out;
}

/** One batch through the model; a model with a fixed batch size gets its last batch zero-padded. */
async function runBatch(s: Session, batch: Prepared[], preset: Preset, fixed: number): Promise<Prediction[]> {
  const ok = batch.filter((p): p is { id: number; x: Float32Array } => 'x' in p);
  const preds = new Map<number, Prediction>();
  if (ok.length) {
    const input = s.summary.inputs[0];
    const output = s.summary.outputs[0];
    const xs = ok.map((p) => p.x);
    while (fixed > 0 && xs.length < fixed) xs.push(new Float32Array(xs[0].length));
    const feeds = { [input.name]: batchImages(xs, preset) };
    const result = await s.run(feeds);
    const logits = result[output.name] ?? Object.values(result)[0];
    top1(logits.data, xs.length).slice(0, ok.length).forEach((t, i) => preds.set(ok[i].id, { id: ok[i].id, ...t }));
  }
  return batch.map((p) => ('error' in p ? { id: p.id, top1: -1, prob: 0, error: p.error } : preds.get(p.id)!));
}

const api: EngineApi = {
  async device(): Promise<DeviceStatus> {
    try {
      const g = await gpu;
      return { ok: true, adapter: adapterLabel(g.adapter), fallback: g.adapter.isFallbackAdapter, features: g.adapter.features };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  },

  async loadModel(file: Blob, fileName: string) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const g = await gpu.catch(() => null);
    if (!g) return parseOnly(bytes, fileName);
    const next = await Session.load(g, bytes, fileName);
    const old = session;
    session = next;
    if (old && old !== next) disposeLater(old);
    return next.summary;
  },

  async classify(req: ClassifyRequest, onProgress: (p: ClassifyProgress) => void): Promise<ClassifySummary> {
    const s = session;
    if (!s) {
      await gpu; // without WebGPU this throws the message saying which browser or flag is needed
      throw new StudioError('bad-input', 'No model is loaded: open an .onnx model (or try the demo) before running images.');
    }
    const input = s.summary.inputs[0];
    checkPresetFits(req.preset, input.shape, input.name);
    const fixed = typeof input.shape[0] === 'number' ? (input.shape[0] as number) : 0;
    const size = fixed > 0 ? fixed : Math.max(1, Math.floor(req.batchSize));
    const t0 = performance.now();
    const total = req.images.length;
    let done = 0;
    let stopped = false;
    runs++;
    try {
      // Decode the next batch while the current one runs.
      let next = prepare(req.images.slice(0, size), req.preset);
      for (let start = 0; start < total; start += size) {
        if (cancelled.has(req.jobId)) {
          stopped = true;
          break;
        }
        const batch = await next;
        const after = req.images.slice(start + size, start + 2 * size);
        next = prepare(after, req.preset);
        const preds = await runBatch(s, batch, req.preset, fixed);
        done += batch.length;
        onProgress({ done, total, predictions: preds });
      }
    } finally {
      runs--;
      cancelled.delete(req.jobId);
    }
    return { done, total, cancelled: stopped, ms: performance.now() - t0 };
  },

  cancel(jobId: number) {
    cancelled.add(jobId);
  },
};

/** Without WebGPU the model can still be read and summarized; running it will say why not. */
function parseOnly(bytes: Uint8Array, fileName: string): ModelSummary {
  const model = readModel(bytes, fileName);
  return summarize(model, normalizeGraph(model.graph), fileName);
}

function disposeLater(old: Session): void {
  const free = () => (runs > 0 ? setTimeout(free, 100) : old.dispose());
  free();
}

Comlink.expose(api);
