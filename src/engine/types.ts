// The engine's public surface, shared by the worker, the CLI and the tests.

/** A host tensor: float32 data in row-major order. */
export interface HostTensor {
  data: Float32Array;
  shape: number[];
}

export interface ValueSummary {
  name: string;
  /** Dimensions; a string is a symbolic dimension (e.g. "N" for batch). */
  shape: (number | string)[];
  dtype: string;
}

export interface WeightedLayer {
  name: string;
  opType: string;
  /** Weight tensor shape, e.g. [16, 3, 3, 3]. */
  weightShape: number[];
  params: number;
}

export interface ModelSummary {
  fileName: string;
  producer: string;
  opsets: Record<string, number>;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  /** Node count per op type of the original graph, e.g. {Conv: 19, Relu: 19}. */
  opCounts: Record<string, number>;
  /** Node count per op type after preparation (folding, BN folding, Identity removal). */
  preparedOpCounts: Record<string, number>;
  paramCount: number;
  weightedLayers: WeightedLayer[];
}
