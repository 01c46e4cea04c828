// The record every operator implements: shape inference, CPU evaluation of constant inputs
// (constant folding), and lowering to GPU dispatches. The op table maps ONNX op type → OpDef.
import type { Dispatch, Gpu, GpuTensor } from '../../gpu/gpu';
import type { Attr, Node } from '../../graph/ir';
import { DT, dtypeName } from '../../onnx/dtype';

export interface Value {
  name: string;
  shape: number[];
  dtype: number;
  /** Known values when the value is a constant (decoded lazily from an initializer). */
  values?: () => Float64Array;
}

export interface OutInfo {
  shape: number[];
  dtype: number;
  /** Values known from the node alone, even when its inputs are data (inference Dropout's mask). */
  values?: () => Float64Array;
}

export class OpError extends Error {
  override name = 'OpError';
}

/** The model is valid ONNX but uses a feature this engine does not implement. */
export class UnsupportedError extends OpError {
  override name = 'UnsupportedError';
}

/** What an op sees of its node: attributes with defaults, inputs, constant input values. */
export class OpCtx {
  constructor(
    readonly node: Node,
    readonly opset: number,
    readonly inputs: (Value | undefined)[],
  ) {}

  fail(msg: string): never {
    throw new OpError(`${this.node.opType} node "${this.node.name || this.node.outputs[0]}": ${msg}`);
  }
  unsupported(msg: string): never {
    throw new UnsupportedError(`${this.node.opType} node "${this.node.name || this.node.outputs[0]}": ${msg}`);
  }
  private attr(name: string): Attr | undefined {
    return this.node.attrs[name];
  }
  int(name: string, def: number): number {
    const a = this.attr(name);
    return a?.type === 'int' ? a.value : def;
  }
  float(name: string, def: number): number {
    const a = this.attr(name);
    return a?.type === 'float' ? a.value : a?.type === 'int' ? a.value : def;
  }
  ints(name: string, def?: number[]): number[] | undefined {
    const a = this.attr(name);
    return a?.type === 'ints' ? a.value : a?.type === 'int' ? [a.value] : def;
  }
  floats(name: string): number[] | undefined {
    const a = this.attr(name);
    return a?.type === 'floats' ? a.value : undefined;
  }
  string(name: string, def: string): string {
    const a = this.attr(name);
    return a?.type === 'string' ? a.value : def;
  }
  has(name: string): boolean {
    return name in this.node.attrs;
  }
  /** Input i, which must be present. */
  in(i: number): Value {
    const v = this.inputs[i];
    if (!v) this.fail(`input ${i} is missing`);
    return v;
  }
  /** Constant values of optional input i (undefined if absent); fails if present but not constant. */
  constInput(i: number, what: string): Float64Array | undefined {
    const v = this.inputs[i];
    if (!v) return undefined;
    if (!v.values) this.fail(`${what} (input "${v.name}") must be a constant (computable before the images arrive); it depends on the data here`);
    return v.values();
  }
  allConst(): boolean {
    return this.inputs.every((v) => !v || v.values);
  }
  /** Input i must hold floats for the GPU path. */
  requireFloat(i: number): void {
    const v = this.in(i);
    if (v.dtype !== DT.FLOAT) this.unsupported(`input "${v.name}" is ${dtypeName(v.dtype)}; the GPU engine computes float32 tensors only`);
  }
}

/** What lowering sees: GPU tensors for the inputs/outputs, and a place to put dispatches. */
export interface LowerCtx {
  gpu: Gpu;
  /** GPU tensor of input i (constants are uploaded once per session). */
  input(i: number): GpuTensor;
  /** GPU tensor of output j, allocated by the planner. */
  output(j: number): GpuTensor;
  emit(...d: Dispatch[]): void;
  /** Uploads a constant computed at plan time (e.g. folded BatchNorm factors), cached by label and shape; a function is called only when not cached. */
  constant(label: string, shape: number[], data: Float32Array | (() => Float32Array)): GpuTensor;
  /** A scratch tensor that lives only for this op's dispatches. */
  temp(label: string, shape: number[]): GpuTensor;
}

export interface OpDef {
  infer(c: OpCtx): OutInfo[];
  /** CPU evaluation when every input is constant. */
  fold?(c: OpCtx, outs: OutInfo[]): Float64Array[];
  /** GPU lowering; `'alias'` means output 0 is input 0's buffer with a new shape. */
  gpu?(c: OpCtx, l: LowerCtx, outs: OutInfo[]): void | 'alias';
}

export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
export const normAxis = (c: OpCtx, axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) c.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
};
