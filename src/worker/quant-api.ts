// The quantization half of the page ↔ worker contract: the layer plan for a configuration,
// calibration, evaluation (float and fake-quant side by side), QDQ export and onnxruntime-web checks.
import type { Preset } from '../data/presets';
import type { QuantConfig } from '../quant/types';
import type { OutputFidelity } from '../quant/fidelity';
import type { ImageJob } from './api';

/** One weighted layer as the configuration places it (before calibration). */
export interface QuantLayerPlan {
  /** Node name (the key of per-layer overrides). */
  name: string;
  opType: string;
  dims: number[];
  /** Weight bits, or null when the layer is kept in float. */
  wBits: number | null;
  /** Bits of the quantizer on the layer's input, or null when its input stays float (network input, float layer). */
  aBits: number | null;
  first: boolean;
  last: boolean;
  /** Why a Conv/Gemm/MatMul/ConvTranspose the studio cannot quantize stays float (absent for quantizable layers). */
  floatReason?: string;
}

/** Range, scale (per channel: the mean) and SQNR of one quantizer, measured after calibration. */
export interface QuantStats {
  bits: number;
  min: number;
  max: number;
  scale: number;
  /** 10·log10(Σx² / Σ(x − x̂)²); Infinity when exact. */
  sqnrDb: number;
}

/** A row of the per-layer table: the layer's weights and the activation quantizer on its input. */
export interface QuantLayerRow {
  index: number;
  name: string;
  opType: string;
  weight: QuantStats | null;
  /** The quantized tensor feeding this layer (shared by every layer that reads it). */
  actTensor: string | null;
  act: QuantStats | null;
  /** SQuant only: the layer's GPU time (ms) and how many of its weights moved off round to nearest. */
  squantMs?: number;
  squantMoved?: number;
}

export interface CalibrateRequest {
  jobId: number;
  images: ImageJob[];
  preset: Preset;
  batchSize: number;
  config: QuantConfig;
}

export interface CalibrateProgress {
  phase: 'decode' | 'weights' | 'activations' | 'report';
  done: number;
  total: number;
  pass?: number;
}

export interface CalibrateResult {
  cancelled: boolean;
  ms: number;
  /** Images that went into the activation ranges (the unreadable ones are left out). */
  images: number;
  failed: { name: string; message: string }[];
  rows: QuantLayerRow[];
}

export interface EvaluateRequest {
  jobId: number;
  images: ImageJob[];
  preset: Preset;
  batchSize: number;
  /** Also run the float model (skipped when the page already has its answers for these images). */
  float: boolean;
  /** Run the float model too and report every output's fidelity of the quantized model to it (no labels needed). */
  fidelity?: boolean;
}

/** A dense class-score output [N, C, H, W] of one image as arg-max class maps, float and quantized. */
export interface DensePreview {
  output: string;
  /** The image it was computed on. */
  id: number;
  classes: number;
  width: number;
  height: number;
  /** Arg-max class per pixel, row-major. */
  float: Uint8Array;
  quant: Uint8Array;
}

export interface EvalPrediction {
  id: number;
  /** Float top-1 (when asked for), quantized top-1; -1 when the image failed. */
  float?: number;
  quant: number;
  error?: { code: string; message: string };
}

export interface EvaluateProgress {
  done: number;
  total: number;
  predictions: EvalPrediction[];
  /** With fidelity: each output's figures over the images done so far in this job. */
  fidelity?: OutputFidelity[];
  /** With fidelity, once: the first readable image's dense outputs. */
  dense?: DensePreview[];
}

export interface ExportResult {
  bytes: Uint8Array;
  /** What onnxruntime-web's WebGPU EP will hand to its WASM EP, in sentences. */
  fallbacks: string[];
  ms: number;
}

export interface VerifyRequest {
  jobId: number;
  /** The exported .onnx to run in onnxruntime-web (WASM EP). */
  model: Blob;
  images: ImageJob[];
  preset: Preset;
  batchSize: number;
}

export interface VerifyProgress {
  done: number;
  total: number;
  predictions: { id: number; top1: number }[];
}

export interface JobSummary {
  done: number;
  total: number;
  cancelled: boolean;
  ms: number;
}

/** Files inside a .zip, unpacked in the worker. */
export interface UnzippedFile {
  path: string;
  blob: Blob;
}

/** The quantization methods of the worker (and of the page's EngineClient). */
export interface QuantApi {
  planQuant(config: QuantConfig): Promise<QuantLayerPlan[]>;
  calibrate(req: CalibrateRequest, onProgress: (p: CalibrateProgress) => void): Promise<CalibrateResult>;
  evaluate(req: EvaluateRequest, onProgress: (p: EvaluateProgress) => void): Promise<JobSummary>;
  exportModel(opset: 13 | 21): Promise<ExportResult>;
  /** What onnxruntime-web's WebGPU EP will run on WASM for the current calibration in this format. */
  webgpuFallbacks(opset: 13 | 21): Promise<string[]>;
  verify(req: VerifyRequest, onProgress: (p: VerifyProgress) => void): Promise<JobSummary>;
  unzip(file: Blob, name: string): Promise<UnzippedFile[]>;
}
