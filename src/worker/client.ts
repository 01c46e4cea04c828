// The page side of the engine worker: starts the module worker and wraps it with comlink so the
// store's jobs see a plain async EngineClient (progress arrives through a proxied callback).
import type { StudioStore } from '../state/store';
import * as Comlink from 'comlink';
import { StudioError } from '../engine/errors';
import { installErrorTransfer } from './error-transfer';
import type { ClassifyProgress, ClassifyRequest, EngineApi, EngineClient } from './api';
import { workerName } from './device-recovery';

export function createEngineClient(onCrash: (message: string) => void): EngineClient {
  installErrorTransfer();
  const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: workerName(location.search) });
  worker.addEventListener('error', (ev) => {
    onCrash(`The engine worker failed: ${ev.message || 'it could not start'}. Reload the page to start it again.`);
  });
  const remote = Comlink.wrap<EngineApi>(worker);
  return {
    device: () => remote.device(),
    loadModel: (file, fileName) => remote.loadModel(file, fileName),
    classify: (req: ClassifyRequest, onProgress: (p: ClassifyProgress) => void) =>
      remote.classify(req, Comlink.proxy(onProgress)),
    cancel: (jobId) => remote.cancel(jobId),
    planQuant: (config) => remote.planQuant(config),
    calibrate: (req, onProgress) => remote.calibrate(req, Comlink.proxy(onProgress)),
    evaluate: (req, onProgress) => remote.evaluate(req, Comlink.proxy(onProgress)),
    exportModel: (opset) => remote.exportModel(opset),
    webgpuFallbacks: (opset) => remote.webgpuFallbacks(opset),
    verify: (req, onProgress) => remote.verify(req, Comlink.proxy(onProgress)),
    unzip: (file, name) => remote.unzip(file, name),
    reconBlocks: (method) => remote.reconBlocks(method),
    reconCachePlan: (req) => remote.reconCachePlan(req),
    reconstruct: (req, onEvent) => remote.reconstruct(req, Comlink.proxy(onEvent)),
    pauseRecon: (jobId, paused) => remote.pauseRecon(jobId, paused),
    dataFree: (req, onProgress) => remote.dataFree(req, Comlink.proxy(onProgress)),
    weightLevels: (layer, channel, bins) => remote.weightLevels(layer, channel, bins),
  };
}

/** A client for pages without Worker support: every call explains what is missing. */
export function unavailableClient(why: string): EngineClient {
  const fail = () => Promise.reject(new StudioError('no-webgpu', why));
  return {
    device: () => Promise.resolve({ ok: false, message: why }),
    loadModel: fail,
    classify: fail,
    cancel: () => Promise.resolve(),
    planQuant: () => Promise.resolve([]),
    calibrate: fail,
    evaluate: fail,
    exportModel: fail,
    webgpuFallbacks: fail,
    verify: fail,
    unzip: fail,
    reconBlocks: () => Promise.resolve([]),
    reconCachePlan: fail,
    reconstruct: fail,
    pauseRecon: () => Promise.resolve(),
    dataFree: fail,
    weightLevels: fail,
  };
}

/** Start the engine for this page: crashes go to the error panel, the GPU status to the store. */
export function startEngine(store: StudioStore): EngineClient {
  const engine =
    typeof Worker === 'undefined'
      ? unavailableClient('This browser has no Web Workers; use a current Chrome, Edge, Firefox or Safari.')
      : createEngineClient((message) => store.getState().pushError('Engine stopped', new Error(message)));
  engine.device().then(
    (d) =>
      store
        .getState()
        .setDevice(d.ok ? { status: 'ready', adapter: d.adapter, fallback: d.fallback, features: d.features } : { status: 'unavailable', message: d.message }),
    (e) => store.getState().setDevice({ status: 'unavailable', message: (e as Error).message ?? String(e) }),
  );
  return engine;
}
