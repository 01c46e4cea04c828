// The quantization vocabulary shared by calibration, the engine's fake-quant, export and the UI
// (../shared/DESIGN.md §1, §2, §9).
import type { QRange } from '../ref/round';

// the grid and its rounding live with the references (kernels and references import no src/quant)
export { qrange, roundHalfEven, type QRange } from '../ref/round';

export type ObserverKind = 'minmax' | 'mse' | 'percentile' | 'entropy';
export type Granularity = 'channel' | 'tensor';
/** Weight grid: uniform integers, or APoT's additive powers of two (DESIGN.md §8). */
export type WeightLevels = 'uniform' | 'apot';

export interface LayerOverride {
  /** Weight bits of this layer, or keep the layer (weights and its input quantizer) in float. */
  wBits?: number;
  aBits?: number;
  float?: boolean;
}

export interface QuantConfig {
  wBits: number;
  aBits: number;
  /** Weights per output channel (axis 0) or per tensor. */
  wGranularity: Granularity;
  /** Symmetric = signed grid with zero point 0; asymmetric = unsigned grid with a zero point. */
  wSymmetric: boolean;
  aSymmetric: boolean;
  wObserver: ObserverKind;
  aObserver: ObserverKind;
  /** Percentile observer's percentile, e.g. 99.99. */
  percentile: number;
  /** First and last layer weights 8-bit and the last layer's input 8-bit (QDrop/BRECQ policy). */
  firstLast8bit: boolean;
  /**
   * Weight grid; absent = 'uniform' (so configurations saved before it existed keep their identity).
   * 'apot': layers at 3..7 bits get APoT levels with α from the APoT MSE search whatever wObserver
   * says; layers at 2 or 8 bits (the first/last-layer policy) stay uniform.
   */
  wLevels?: WeightLevels;
  /** Per weighted-layer overrides, by node name. */
  overrides: Record<string, LayerOverride>;
  /** Calibration images for activation ranges. */
  calibCount: number;
}

export const DEFAULT_CONFIG: QuantConfig = {
  wBits: 8,
  aBits: 8,
  wGranularity: 'channel',
  wSymmetric: false,
  aSymmetric: false,
  wObserver: 'mse',
  aObserver: 'mse',
  percentile: 99.99,
  firstLast8bit: true,
  overrides: {},
  calibCount: 256,
};

/** Quantized weights of one layer: integer codes as they will be exported, with per-row scales. */
export interface WeightQuant {
  /** Node name of the Conv/Gemm/MatMul. */
  node: string;
  /** Initializer name of the float weight (in the prepared graph). */
  weight: string;
  dims: number[];
  range: QRange;
  /** Axis of the per-channel parameters (0 for Conv and transB Gemm, 1 for MatMul/Gemm without transB); -1 per tensor. */
  axis: number;
  scales: Float32Array;
  zeroPoints: Int32Array;
  /** Integer codes in [qmin, qmax], same layout as the float weight. */
  codes: Int32Array;
  /**
   * APoT weights only: the level set's integer codes, ascending from 0 (src/ref/apot.ts). Codes are
   * then ±these, zero point 0, scale α/max, range ±max; reconstruction rounds between neighbours.
   */
  levels?: Int32Array;
}

/** One activation quantizer: applied in place to tensor `tensor`. */
export interface ActQuant {
  tensor: string;
  range: QRange;
  scale: number;
  zeroPoint: number;
}

/**
 * A bias on the int32 grid of step s_x·s_w[c] (zero point 0), for layers whose input is a quantized
 * activation: what integer kernels compute, and what onnxruntime's optimizer does to float biases
 * after a DequantizeLinear, so the studio, the export and onnxruntime agree.
 */
export interface BiasQuant {
  node: string;
  /** Initializer name of the float bias (in the prepared graph). */
  bias: string;
  scales: Float32Array;
  codes: Int32Array;
}

/** Everything export and the fake-quant forward need. */
export interface QuantState {
  config: QuantConfig;
  weights: WeightQuant[];
  acts: ActQuant[];
  biases?: BiasQuant[];
}
