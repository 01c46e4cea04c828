// The graph IR every stage works on: a model, its graph, nodes with typed attributes, and
// tensors whose bytes are views into the loaded file where possible.
import type { onnx } from '../onnx/proto/onnx';

export type Dim = number | string | null;

export interface Tensor {
  name: string;
  /** ONNX TensorProto.DataType code (1 float, 6 int32, 7 int64, ...). */
  dataType: number;
  dims: number[];
  /** Little-endian element bytes; a view into the model file when it came from raw_data. */
  raw: Uint8Array;
  /** Only for STRING tensors. */
  strings?: Uint8Array[];
  docString?: string;
}

export type Attr =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  /** Graphs, sparse tensors, type protos, references: kept as the decoded proto, written back as is. */
  | { type: 'proto'; value: onnx.IAttributeProto };

export interface Node {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
  docString?: string;
}

export interface ValueInfo {
  name: string;
  /** Element type of a tensor value; undefined for non-tensor types (kept in `type`). */
  dataType?: number;
  /** Undefined when the shape is unknown (rank unknown); null entries are unknown dims. */
  shape?: Dim[];
  docString?: string;
  /** The original TypeProto when it is not a plain tensor type. */
  type?: onnx.ITypeProto;
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  valueInfo: ValueInfo[];
  docString?: string;
  /** Fields the studio does not interpret, written back unchanged. */
  passthrough: Pick<onnx.IGraphProto, 'sparseInitializer' | 'quantizationAnnotation' | 'metadataProps'>;
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  opsets: OpsetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  metadata: { key: string; value: string }[];
  graph: Graph;
  passthrough: Pick<onnx.IModelProto, 'trainingInfo' | 'functions' | 'configuration'>;
}

/** The opset version of the default (ai.onnx) domain. */
export function defaultOpset(m: Model): number {
  return m.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
