// The exported .onnx checked in onnxruntime-web (WASM EP) inside the worker: the same images with
// the same preprocessing, top-1 per image. Loaded on first use (dynamic import): the WASM is large.
import * as ort from 'onnxruntime-web/wasm';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { StudioError } from '../engine/errors';
import { checkPresetFits } from '../data/presets';
import { feed, fixedBatch, isReadable, preparedBatches, runBatchSize, top1 } from './batches';
import type { JobSummary, VerifyProgress, VerifyRequest } from './quant-api';

// Vite serves these files from our origin; the default paths do not resolve in a production build.
ort.env.wasm.wasmPaths = { mjs, wasm };

export async function verifyOnnx(req: VerifyRequest, onProgress: (p: VerifyProgress) => void, isCancelled: () => boolean): Promise<JobSummary> {
  const t0 = performance.now();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(new Uint8Array(await req.model.arrayBuffer()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new StudioError('bad-input', `onnxruntime-web could not load the exported model: ${(e as Error).message}`);
  }
  try {
    const inputName = session.inputNames[0];
    const meta = session.inputMetadata[0];
    const shape = meta?.isTensor ? meta.shape.map((d) => (typeof d === 'number' ? d : 'N')) : ['N'];
    checkPresetFits(req.preset, shape, inputName);
    const fixed = fixedBatch(shape);
    const size = runBatchSize(shape, req.batchSize);
    let done = 0;
    let stopped = false;
    for await (const batch of preparedBatches(req.images, req.preset, size)) {
      if (isCancelled()) {
        stopped = true;
        break;
      }
      const ok = batch.filter(isReadable);
      const found = new Map<number, number>();
      if (ok.length) {
        const x = feed(
          ok.map((p) => p.x),
          req.preset,
          fixed,
        );
        const out = await session.run({ [inputName]: new ort.Tensor('float32', x.data, x.shape) });
        const logits = out[session.outputNames[0]].data as Float32Array;
        top1(logits, fixed || ok.length).slice(0, ok.length).forEach((t, i) => found.set(ok[i].id, t.top1));
      }
      done += batch.length;
      onProgress({ done, total: req.images.length, predictions: batch.map((p) => ({ id: p.id, top1: found.get(p.id) ?? -1 })) });
    }
    return { done, total: req.images.length, cancelled: stopped, ms: performance.now() - t0 };
  } finally {
    await session.release();
  }
}
