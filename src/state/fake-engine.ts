// A fake worker for the store's tests (no GPU, no React): it "predicts" class (NNNN mod 10) from
// NNNN_class.png names, one batch per timer tick, honours cancel, and quantizes three layers.
import { StudioError } from '../engine/errors';
import type { ModelSummary } from '../engine/types';
import type { ClassifyProgress, ClassifyRequest, EngineClient, ImageJob } from '../worker/api';
import type { CalibrateRequest, EvaluateRequest, QuantLayerPlan, QuantLayerRow } from '../worker/quant-api';
import type { BlockInfo, ReconRequest } from '../worker/recon-api';
import type { DataFreeRequest } from '../worker/data-free-api';
import type { Block } from '../recon/blocks';
import { planBlockCaches, type CachePlanOptions, type RunCachePlan } from '../recon/cache-plan';
import { fakeDataFree } from './fake-data-free';

export function fakeSummary(fileName: string): ModelSummary {
  return {
    fileName,
    producer: 'test',
    opsets: { 'ai.onnx': 13 },
    inputs: [{ name: 'input', shape: ['N', 3, 32, 32], dtype: 'float32' }],
    outputs: [{ name: 'logits', shape: ['N', 10], dtype: 'float32' }],
    opCounts: { Conv: 1 },
    preparedOpCounts: { Conv: 1 },
    paramCount: 10,
    weightedLayers: [],
  };
}

export interface FakeEngine extends EngineClient {
  requests: ClassifyRequest[];
  recons: ReconRequest[];
  calibrations: CalibrateRequest[];
  evaluations: EvaluateRequest[];
  exports: number[];
  dataFrees: DataFreeRequest[];
}

const tick = () => new Promise((r) => setTimeout(r, 1));
const guess = (im: ImageJob) => Number(im.name.slice(0, 4)) % 10;
const bad = (im: ImageJob) => im.name.includes('bad');

/** Batches of `size` over `images`, one per tick, stopping when `cancelled()`; returns the count done. */
async function batches(images: ImageJob[], size: number, cancelled: () => boolean, each: (batch: ImageJob[], done: number) => void) {
  let done = 0;
  for (let i = 0; i < images.length; i += size) {
    if (cancelled()) return { done, total: images.length, cancelled: true, ms: 1 };
    await tick();
    const batch = images.slice(i, i + size);
    done += batch.length;
    each(batch, done);
  }
  return { done, total: images.length, cancelled: false, ms: 1 };
}

/**
 * The real cache plan (src/recon/cache-plan.ts) of the fake model's blocks, each caching 16 Mi
 * values an image: 64 MiB in float32, 32 MiB in float16. The first block reads the model input and
 * so keeps no quantized-input cache (8 Mi in, 8 Mi out); the others 4 Mi in twice, 8 Mi out.
 */
function fakeCachePlan(blocks: BlockInfo[], o: CachePlanOptions): RunCachePlan {
  const tensors: Block[] = blocks.map((b) => ({ ...b, nodes: b.layers, input: `in${b.index}`, output: `out${b.index}`, acts: [] }));
  const shapeOf = (t: string) => [1, (t === 'in0' || t.startsWith('out') ? 8 : 4) * 2 ** 20];
  return planBlockCaches(tensors, shapeOf, 'in0', () => true, o);
}

export function fakeEngine(): FakeEngine {
  const cancelled = new Set<number>();
  const requests: ClassifyRequest[] = [];
  const calibrations: CalibrateRequest[] = [];
  const exports: number[] = [];
  const evaluations: EvaluateRequest[] = [];
  const LAYERS = ['conv1', 'conv2', 'fc'];
  const recons: ReconRequest[] = [];
  const paused = new Set<number>();
  const dataFrees: DataFreeRequest[] = [];
  const BLOCKS: BlockInfo[] = LAYERS.map((name, index) => ({ index, name: `layer ${name}`, kind: 'layer', layers: [name], acts: index < 2 ? 1 : 0 }));
  return {
    requests,
    recons,
    dataFrees,
    ...fakeDataFree(LAYERS, (id) => cancelled.has(id), dataFrees),
    reconBlocks: async () => BLOCKS,
    reconCachePlan: async ({ preset: _p, ...req }) => {
      const plan = fakeCachePlan(BLOCKS, req);
      return { ...req, budget: plan.budget, blocks: plan.blocks, peak: plan.peak, message: plan.error?.message ?? null };
    },
    pauseRecon: async (jobId, p) => void (p ? paused.add(jobId) : paused.delete(jobId)),
    // loss 1/(1 + iter/10) · (1 + drop) per block, one history window per tick; caches as planned
    // (float16 where nothing fits: the fake does not stop); early stop ends a block at half its iterations
    reconstruct: async (req, onEvent) => {
      recons.push(req);
      const start = req.resume?.blocks ?? 0;
      const planned = fakeCachePlan(BLOCKS, { ...req.cfg, count: req.images.length }).blocks;
      const every = req.cfg.historyEvery;
      const iters = req.cfg.earlyStop ? Math.min(req.cfg.iters, Math.ceil(req.cfg.iters / 2 / every) * every) : req.cfg.iters;
      let blocks = 0;
      for (let b = start; b < BLOCKS.length; b++) {
        onEvent({ type: 'block-start', block: b, total: BLOCKS.length });
        for (let t = 0; t < iters; t += every) {
          while (paused.has(req.jobId) && !cancelled.has(req.jobId)) await tick();
          if (cancelled.has(req.jobId)) return { cancelled: true, ms: 1, blocks };
          await tick();
          const n = Math.min(every, iters - t);
          const points = Array.from({ length: n }, (_, k) => ({ iter: t + k, rec: (1 + req.cfg.drop) / (1 + (t + k) / 10), reg: 0.1 }));
          onEvent({ type: 'loss', block: b, points, itersDone: t + n });
        }
        blocks++;
        onEvent({ type: 'block-end', block: b, iters, seconds: 0.01, firstLoss: 1 + req.cfg.drop, lastLoss: (1 + req.cfg.drop) / (1 + iters / 10), cache: planned[b].precision ?? 'f16' });
        if (req.flatness) onEvent({ type: 'flatness', block: b, alphas: [-1, 0, 1], losses: [2 * req.cfg.drop, 1, 2 * req.cfg.drop] });
        onEvent({ type: 'checkpoint', checkpoint: { blocks: b + 1, state: `{"blocks":${b + 1}}` } });
      }
      return { cancelled: false, ms: 1, blocks, weightSqnr: Object.fromEntries(LAYERS.map((n, i) => [n, 40 + i])) };
    },
    calibrations,
    exports,
    device: async () => ({ ok: true, adapter: 'fake', fallback: false, features: [] }),
    evaluations,
    loadModel: async (file, name) => {
      const text = await file.text();
      if (!text.startsWith('onnx')) throw new StudioError('not-onnx', `${name} is not an ONNX model`, name);
      // "seg…" names: a segmentation model with a dynamic size and dense class scores
      return name.startsWith('seg') ? { ...fakeSummary(name), inputs: [{ name: 'input', shape: ['N', 3, 'H', 'W'], dtype: 'float32' }], outputs: [{ name: 'out', shape: ['N', 21, 'H', 'W'], dtype: 'float32' }] } : fakeSummary(name);
    },
    classify: async (req, onProgress: (p: ClassifyProgress) => void) => {
      requests.push(req);
      return batches(req.images, req.batchSize, () => cancelled.has(req.jobId), (batch, done) =>
        onProgress({ done, total: req.images.length, predictions: batch.map((im) => (bad(im) ? { id: im.id, top1: -1, prob: 0, error: { code: 'bad-image', message: `${im.name} is damaged` } } : { id: im.id, top1: guess(im), prob: 0.9 })) }),
      );
    },
    cancel: async (jobId) => void cancelled.add(jobId),
    planQuant: async (c) =>
      LAYERS.map((name, i): QuantLayerPlan => {
        const o = c.overrides[name] ?? {};
        const edge = c.firstLast8bit && (i === 0 || i === LAYERS.length - 1);
        return { name, opType: i < 2 ? 'Conv' : 'Gemm', dims: [4, 4], wBits: o.float ? null : (o.wBits ?? (edge ? 8 : c.wBits)), aBits: i === 0 || o.float ? null : c.firstLast8bit && i === 2 ? 8 : c.aBits, first: i === 0, last: i === 2 };
      }),
    calibrate: async (req, onProgress) => {
      calibrations.push(req);
      const failed = req.images.filter(bad).map((im) => ({ name: im.name, message: `${im.name} is damaged` }));
      const r = await batches(req.images, req.batchSize, () => cancelled.has(req.jobId), (_, done) => onProgress({ phase: 'activations', done, total: req.images.length }));
      const stats = (bits: number, sqnrDb: number) => ({ bits, min: -1, max: 1, scale: 2 / (2 ** bits - 1), sqnrDb });
      const rows: QuantLayerRow[] = LAYERS.map((name, index) => ({ index, name, opType: 'Conv', weight: stats(req.config.wBits, 30 - 5 * index), actTensor: index ? `${name}_in` : null, act: index ? stats(req.config.aBits, index === 1 ? Infinity : 12) : null }));
      return { cancelled: r.cancelled, ms: 5, images: req.images.length - failed.length, failed, rows: r.cancelled ? [] : rows };
    },
    evaluate: async (req, onProgress) => {
      evaluations.push(req);
      return batches(req.images, req.batchSize, () => cancelled.has(req.jobId), (batch, done) =>
        onProgress({
          done,
          total: req.images.length,
          // with fidelity: figures over the images so far, and a 2×1 class map once
          ...(req.fidelity
            ? {
                fidelity: [{ name: 'logits', shape: [batch.length, 10], images: done, sqnrDb: 30 - done, cosine: 0.999, maxAbsError: 0.1, top1Agreement: 0.8, pixelAgreement: null }],
                ...(done === batch.length ? { dense: [{ output: 'logits', id: batch[0].id, classes: 2, width: 2, height: 1, float: Uint8Array.of(0, 1), quant: Uint8Array.of(1, 1) }] } : {}),
              }
            : {}),
          // the quantized model flips every image whose number is a multiple of 5
          predictions: batch.map((im) => (bad(im) ? { id: im.id, quant: -1, float: req.float ? -1 : undefined } : { id: im.id, quant: Number(im.name.slice(0, 4)) % 5 === 0 ? (guess(im) + 1) % 10 : guess(im), float: req.float ? guess(im) : undefined })),
        }),
      );
    },
    exportModel: async (opset) => {
      exports.push(opset);
      return { bytes: new TextEncoder().encode(`onnx-qdq-${opset}`), fallbacks: opset === 21 ? ['int4 DequantizeLinear runs on WASM'] : ['QuantizeLinear runs on WASM'], ms: 1 };
    },
    webgpuFallbacks: async (opset) => (opset === 21 ? ['int4 DequantizeLinear runs on WASM'] : ['QuantizeLinear runs on WASM']),
    verify: async (req, onProgress) =>
      batches(req.images, req.batchSize, () => cancelled.has(req.jobId), (batch, done) =>
        onProgress({ done, total: req.images.length, predictions: batch.map((im) => ({ id: im.id, top1: Number(im.name.slice(0, 4)) % 5 === 0 ? (guess(im) + 1) % 10 : guess(im) })) }),
      ),
    unzip: async (file, name) => {
      if (!(await file.text()).startsWith('PK')) throw new StudioError('bad-input', `${name} is not a .zip archive`, name);
      const base = name.replace(/\.zip$/, '');
      return ['0000_airplane.png', '0001_automobile.png', '0002_bird.png'].map((p) => ({ path: `${base}/${p}`, blob: new Blob(['png']) }));
    },
  };
}
