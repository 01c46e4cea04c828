// The data-free half of the page ↔ worker contract: SQuant (or round to nearest) with activation
// ranges from a noise pass, no images needed, and one layer's weights beside its uniform and APoT levels.
import type { Preset } from '../data/presets';
import type { QuantConfig } from '../quant/types';
import type { ImageJob } from './api';
import type { CalibrateResult } from './quant-api';

/** SQuant's E → K → C flips (uniform grid only), or plain round to nearest on the configured grid. */
export type DataFreeRounding = 'squant' | 'nearest';

export interface DataFreeRequest {
  jobId: number;
  /** The configuration panel's; SQuant runs it per channel with MinMax ranges on the uniform grid. */
  config: QuantConfig;
  rounding: DataFreeRounding;
  preset: Preset;
  batchSize: number;
  /** A few images for the activation SQNR of the layer table (nothing else uses them); absent: a noise batch. */
  sample?: ImageJob[];
}

export interface DataFreeProgress {
  phase: 'weights' | 'activations' | 'squant' | 'report';
  done: number;
  total: number;
}

export interface DataFreeResult extends CalibrateResult {
  /** The configuration it ran with: SQuant's settings, the last layer's input 8-bit when the first/last policy is off. */
  config: QuantConfig;
  /** Uniform-noise inputs of the activation-range pass. */
  noiseImages: number;
  /** SQuant's GPU time over all layers (ms); null for nearest rounding. */
  squantMs: number | null;
  /** What the activation SQNR column was measured on. */
  sampleSource: 'images' | 'noise';
}

/** One output channel of a layer's weights, its histogram, and the two weight grids at its bits. */
export interface WeightLevelsView {
  layer: string;
  channel: number;
  channels: number;
  bits: number;
  /** The grid the quantized model uses on this layer now. */
  current: 'uniform' | 'apot';
  /** Histogram of the channel's float weights: bin i covers [lo + i·width, lo + (i+1)·width). */
  lo: number;
  width: number;
  counts: number[];
  /** The uniform grid's values (q − z)·s, q = qmin..qmax, ascending. */
  uniform: number[];
  /** APoT values ±L·α/M, ascending; null at bits without an APoT level set (2 and 8). */
  apot: number[] | null;
  /** SQNR of the channel on each grid (the current grid with its actual codes, the other rounded to nearest). */
  uniformSqnrDb: number;
  apotSqnrDb: number | null;
}

export interface DataFreeApi {
  /** Quantize the loaded model with no data; the result replaces the calibration. */
  dataFree(req: DataFreeRequest, onProgress: (p: DataFreeProgress) => void): Promise<DataFreeResult>;
  /** A calibrated layer's weights of one channel with both grids (computed for the grid not in use). */
  weightLevels(layer: string, channel: number, bins: number): Promise<WeightLevelsView>;
}
