// The engine worker: owns the GPU device and the loaded Session, decodes and preprocesses images
// and runs batches, so the page's thread never touches the GPU. Exposed with comlink (api.ts).
import * as Comlink from 'comlink';
import { Gpu, adapterLabel } from '../gpu/gpu';
import { Session } from '../engine/session';
import { summarize } from '../engine/summary';
import type { ModelSummary } from '../engine/types';
import { normalizeGraph } from '../graph/normalize';
import { readModel } from '../onnx/read';
import { StudioError } from '../engine/errors';
import { checkPresetFits, type Preset } from '../data/presets';
import { checkFileSize } from '../data/file-limits';
import { installErrorTransfer } from './error-transfer';
import { feed, fixedBatch, isReadable, preparedBatches, runBatchSize, top1, type Prepared } from './batches';
import { createQuantApi } from './quant-worker';
import { floatClassMaps } from './eval-fidelity';
import type { HostTensor } from '../engine/types';
import { unzipFiles } from './unzip';
import { parseTestHooks } from './device-recovery';
import type { ClassMapOutput, ClassifyRequest, ClassifySummary, ClassifyProgress, DeviceStatus, EngineApi, Prediction } from './api';

installErrorTransfer();

let gpu: Promise<Gpu> = Gpu.create(self.navigator.gpu, 'this browser');
gpu.catch(() => undefined); // reported through device() and loadModel()

let session: Session | null = null;
/** The loaded model's bytes: a lost device is recreated and the model reopened from them. */
let sessionBytes: Uint8Array | null = null;
let runs = 0; // classify calls in flight: a new model waits for them before the old one is freed
const cancelled = new Set<number>();

/** One batch through the model; a model with a fixed batch size gets its last batch zero-padded. `outputs` sees every output and the readable images' ids. */
async function runBatch(s: Session, batch: Prepared[], preset: Preset, fixed: number, outputs?: (r: Record<string, HostTensor>, ids: number[]) => void): Promise<Prediction[]> {
  const ok = batch.filter(isReadable);
  const preds = new Map<number, Prediction>();
  if (ok.length) {
    const input = s.summary.inputs[0];
    const output = s.summary.outputs[0];
    const feeds = { [input.name]: feed(ok.map((p) => p.x), preset, fixed) };
    const result = await s.run(feeds);
    outputs?.(result, ok.map((p) => p.id));
    const logits = result[output.name] ?? Object.values(result)[0];
    top1(logits.data, fixed || ok.length).slice(0, ok.length).forEach((t, i) => preds.set(ok[i].id, { id: ok[i].id, ...t }));
  }
  return batch.map((p) => ('error' in p ? { id: p.id, top1: -1, prob: 0, error: p.error } : preds.get(p.id)!));
}

/** A job that uses the session: counted, so a new model waits for it before the old one is freed. */
async function hold<T>(job: () => Promise<T>): Promise<T> {
  runs++;
  try {
    return await job();
  } finally {
    runs--;
  }
}

async function loaded(): Promise<Session> {
  if (session) return session;
  await gpu; // without WebGPU this throws the message saying which browser or flag is needed
  throw new StudioError('bad-input', 'No model is loaded: open an .onnx model (or try the demo) first.');
}

/** A new device after `lost`'s was lost, and the loaded model reopened on it (the same bytes). */
async function recreate(lost: Session): Promise<Session> {
  if (session !== lost || !sessionBytes) throw new StudioError('gpu-lost', 'The GPU device was lost and the model changed meanwhile; load the model again.');
  const g = await Gpu.create(self.navigator.gpu, 'this browser');
  let next: Session;
  try {
    next = await Session.load(g, sessionBytes, lost.fileName);
  } catch (e) {
    g.destroy(); // the new device goes too when the model cannot be reopened on it
    throw e;
  }
  gpu = Promise.resolve(g);
  session = next;
  lost.gpu.destroy();
  return next;
}

const quant = createQuantApi({ session: loaded, current: () => session, isCancelled: (id) => cancelled.has(id), hold, recreate, testHooks: parseTestHooks(self.name) });

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
    checkFileSize(file.size, 'model', fileName);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const g = await gpu.catch(() => null);
    if (!g) return parseOnly(bytes, fileName);
    const next = await Session.load(g, bytes, fileName);
    const old = session;
    session = next;
    sessionBytes = bytes;
    if (old && old !== next) disposeLater(old);
    return next.summary;
  },

  async classify(req: ClassifyRequest, onProgress: (p: ClassifyProgress) => void): Promise<ClassifySummary> {
    const s = await loaded();
    const input = s.summary.inputs[0];
    checkPresetFits(req.preset, input.shape, input.name);
    const fixed = fixedBatch(input.shape);
    const size = runBatchSize(input.shape, req.batchSize);
    const t0 = performance.now();
    const total = req.images.length;
    let done = 0;
    let stopped = false;
    let mapsSent = false;
    await hold(async () => {
      for await (const batch of preparedBatches(req.images, req.preset, size)) {
        if (cancelled.has(req.jobId)) {
          stopped = true;
          break;
        }
        let classMaps: ClassMapOutput[] | undefined;
        const preds = await runBatch(s, batch, req.preset, fixed, (r, ids) => {
          if (!mapsSent) classMaps = floatClassMaps(r, ids[0]);
        });
        mapsSent ||= classMaps !== undefined;
        done += batch.length;
        onProgress({ done, total, predictions: preds, ...(classMaps?.length ? { classMaps } : {}) });
      }
    });
    return { done, total, cancelled: stopped, ms: performance.now() - t0 };
  },

  cancel(jobId: number) {
    cancelled.add(jobId);
  },

  ...quant,

  async verify(req, onProgress) {
    const { verifyOnnx } = await import('./ort-verify');
    return verifyOnnx(req, onProgress, () => cancelled.has(req.jobId));
  },

  unzip: (file, name) => unzipFiles(file, name),
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
