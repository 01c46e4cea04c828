// The typed contract between the page and the engine worker (src/worker/engine-worker.ts): the
// worker owns the GPU and the Session; the page sends Blobs and gets summaries and predictions.
import type { ModelSummary } from '../engine/types';
import type { Preset } from '../data/presets';
import type { QuantApi } from './quant-api';
import type { ReconApi } from './recon-api';
import type { DataFreeApi } from './data-free-api';

export type DeviceStatus =
  | { ok: true; adapter: string; fallback: boolean; features: string[] }
  | { ok: false; message: string };

export interface ImageJob {
  /** The page's id for the image; predictions come back keyed by it. */
  id: number;
  name: string;
  blob: Blob;
}

export interface ClassifyRequest {
  jobId: number;
  images: ImageJob[];
  preset: Preset;
  batchSize: number;
}

export interface Prediction {
  id: number;
  /** Arg-max class of the logits; -1 when the image failed. */
  top1: number;
  /** Softmax probability of top1. */
  prob: number;
  error?: { code: string; message: string };
}

export interface ClassifyProgress {
  done: number;
  total: number;
  /** The predictions of the batch just finished. */
  predictions: Prediction[];
  /** Once, for the first readable image: each dense class-score output [N, C, H, W] as its arg-max class map. */
  classMaps?: ClassMapOutput[];
}

/** A dense class-score output of one image as an arg-max class per pixel (row-major). */
export interface ClassMapOutput {
  output: string;
  id: number;
  classes: number;
  width: number;
  height: number;
  map: Uint8Array;
}

export interface ClassifySummary {
  done: number;
  total: number;
  cancelled: boolean;
  ms: number;
}

/** What the worker exposes (through comlink every method becomes async on the page side). */
export interface EngineApi extends QuantApi, ReconApi, DataFreeApi {
  device(): Promise<DeviceStatus>;
  /** Parse, prepare and plan the model; the previous model stays loaded when this throws. */
  loadModel(file: Blob, fileName: string): Promise<ModelSummary>;
  classify(req: ClassifyRequest, onProgress: (p: ClassifyProgress) => void): Promise<ClassifySummary>;
  /** Ask a running job (classify, calibrate, evaluate, verify) to stop after its current batch. */
  cancel(jobId: number): void;
}

/** The page's handle on the engine: the worker through comlink, or a fake in tests. */
export interface EngineClient extends QuantApi, ReconApi, DataFreeApi {
  device(): Promise<DeviceStatus>;
  loadModel(file: Blob, fileName: string): Promise<ModelSummary>;
  classify(req: ClassifyRequest, onProgress: (p: ClassifyProgress) => void): Promise<ClassifySummary>;
  cancel(jobId: number): Promise<void>;
}
