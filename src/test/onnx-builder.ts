// Small ONNX models built in code for the validation tests and the hostile corpus: a CIFAR-shaped
// classifier with two unnamed BatchNormalizations (or a ConvTranspose), and attribute/tensor helpers.
import { onnx } from '../onnx/proto/onnx';

export type ModelProto = onnx.IModelProto & { graph: onnx.IGraphProto & { node: onnx.INodeProto[]; initializer: onnx.ITensorProto[] } };

const AT = onnx.AttributeProto.AttributeType;
export const attr = {
  int: (name: string, i: number): onnx.IAttributeProto => ({ name, type: AT.INT, i }),
  ints: (name: string, ints: number[]): onnx.IAttributeProto => ({ name, type: AT.INTS, ints }),
  float: (name: string, f: number): onnx.IAttributeProto => ({ name, type: AT.FLOAT, f }),
  floats: (name: string, floats: number[]): onnx.IAttributeProto => ({ name, type: AT.FLOATS, floats }),
  string: (name: string, s: string): onnx.IAttributeProto => ({ name, type: AT.STRING, s: new TextEncoder().encode(s) }),
};

/** Deterministic pseudo-random values in [-scale, scale). */
export function values(n: number, seed: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** A float32 initializer in raw_data (a copy, so mutating it leaves `v` alone). */
export function floatTensor(name: string, dims: number[], v: ArrayLike<number>): onnx.ITensorProto {
  return { name, dataType: 1, dims, rawData: new Uint8Array(Float32Array.from(v).buffer) };
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const weight = (name: string, dims: number[], seed: number, scale = 0.5) => floatTensor(name, dims, values(size(dims), seed, scale));

function node(opType: string, name: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, name, input, output, attribute, domain: '' };
}

/**
 * x [N, 3, 32, 32] → Conv(8, 3×3, pad 1) → Relu → BatchNormalization (unnamed) → MaxPool 2×2 →
 * Conv(8) → Relu → BatchNormalization (unnamed, same channel count, other parameters) →
 * GlobalAveragePool → Flatten → Gemm → y [N, 10]. `convTranspose` puts a ConvTranspose (stride 2) and an
 * AveragePool after the first Relu instead of the first BatchNormalization.
 */
export function tinyModel(opts: { convTranspose?: boolean } = {}): ModelProto {
  const bn = (k: number) => [
    floatTensor(`bn${k}.scale`, [8], values(8, 10 + k, 0.5).map((v) => 1 + v)),
    floatTensor(`bn${k}.bias`, [8], values(8, 20 + k)),
    floatTensor(`bn${k}.mean`, [8], values(8, 30 + k, 0.2)),
    floatTensor(`bn${k}.var`, [8], values(8, 40 + k, 0.4).map((v) => 1 + v)),
  ];
  const window = [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1]), attr.ints('strides', [1, 1])];
  const nodes = [
    node('Conv', 'conv1', ['x', 'conv1.w', 'conv1.b'], ['c1'], window),
    node('Relu', 'relu1', ['c1'], ['r1']),
    opts.convTranspose
      ? node('ConvTranspose', 'up', ['r1', 'up.w'], ['n1'], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])])
      : node('BatchNormalization', '', ['r1', 'bn1.scale', 'bn1.bias', 'bn1.mean', 'bn1.var'], ['n1'], [attr.float('epsilon', 1e-5)]),
    opts.convTranspose
      ? node('AveragePool', 'avg', ['n1'], ['p1'], [attr.ints('kernel_shape', [4, 4]), attr.ints('strides', [4, 4])])
      : node('MaxPool', 'pool', ['n1'], ['p1'], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]),
    node('Conv', 'conv2', ['p1', 'conv2.w', 'conv2.b'], ['c2'], window),
    node('Relu', 'relu2', ['c2'], ['r2']),
    node('BatchNormalization', '', ['r2', 'bn2.scale', 'bn2.bias', 'bn2.mean', 'bn2.var'], ['n2'], [attr.float('epsilon', 1e-5)]),
    node('GlobalAveragePool', 'gap', ['n2'], ['g']),
    node('Flatten', 'flat', ['g'], ['f'], [attr.int('axis', 1)]),
    node('Gemm', 'fc', ['f', 'fc.w', 'fc.b'], ['y'], [attr.int('transB', 1)]),
  ];
  const initializer = [
    weight('conv1.w', [8, 3, 3, 3], 1),
    weight('conv1.b', [8], 2, 0.1),
    weight('conv2.w', [8, 8, 3, 3], 3, 0.3),
    weight('conv2.b', [8], 4, 0.1),
    weight('fc.w', [10, 8], 5),
    weight('fc.b', [10], 6, 0.1),
    ...bn(2),
    ...(opts.convTranspose ? [weight('up.w', [8, 8, 2, 2], 7, 0.3)] : bn(1)),
  ];
  const shape = (dims: (number | string)[]) => ({ dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) });
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'quant-studio tests',
    graph: {
      name: 'tiny',
      node: nodes,
      initializer,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: shape(['N', 3, 32, 32]) } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: shape(['N', 10]) } } }],
    },
  };
}

export const encodeModel = (m: onnx.IModelProto): Uint8Array => onnx.ModelProto.encode(m).finish();

/** Decode .onnx bytes into a mutable proto (for mutating a real model). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  // A copy: decoded tensors are views into the bytes, and mutating them must leave `bytes` alone.
  const m = onnx.ModelProto.decode(Uint8Array.from(bytes)) as ModelProto;
  if (!m.graph) throw new Error('no graph');
  return m;
}

/** A node by op type (the k-th of that type). */
export function nodeOf(m: ModelProto, opType: string, k = 0): onnx.INodeProto {
  const n = m.graph.node.filter((x) => x.opType === opType)[k];
  if (!n) throw new Error(`no ${opType} #${k}`);
  return n;
}

/** Replace (or add) attribute `a.name` of node `n`. */
export function setAttr(n: onnx.INodeProto, a: onnx.IAttributeProto): void {
  n.attribute = [...(n.attribute ?? []).filter((x) => x.name !== a.name), a];
}

export function initializerOf(m: ModelProto, name: string): onnx.ITensorProto {
  const t = m.graph.initializer.find((x) => x.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}
