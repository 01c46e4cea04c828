// The hostile corpus's models: mutations of ResNet-20, MNIST-8 and a tiny built classifier (NaN
// weights, wrong byte counts, future versions, bad attributes, broken graphs), written into a folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { onnx } from '../onnx/proto/onnx';
import type { HostileCase } from './hostile-run';
import { attr, decodeModel, encodeModel, initializerOf, nodeOf, setAttr, tinyModel, type ModelProto } from './onnx-builder';

type Mutation = (m: ModelProto) => void;
/** [id, what, mutation, tensor or node the message must name ('' for none), in the fast subset]. */
type Row = [string, string, Mutation, string, boolean?];

const f32 = (t: onnx.ITensorProto, i: number, v: number) => {
  const raw = t.rawData as Uint8Array;
  new DataView(raw.buffer, raw.byteOffset, raw.byteLength).setFloat32(i * 4, v, true);
};
const raw = (t: onnx.ITensorProto) => t.rawData as Uint8Array;
const numel = (t: onnx.ITensorProto) => (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
const dim = (m: ModelProto, k: number, d: onnx.TensorShapeProto.IDimension) => (m.graph.input![0].type!.tensorType!.shape!.dim![k] = d);

// ResNet-20: its first Conv, weight, bias and the classifier.
const W = 'onnx::Conv_266';
const B = 'onnx::Conv_267';
const CONV = '/conv1/Conv';
const conv = (m: ModelProto) => nodeOf(m, 'Conv');
const w = (m: ModelProto) => initializerOf(m, W);

const RESNET: Row[] = [
  ['r-nan-weight', 'NaN in a Conv weight', (m) => f32(w(m), 5, NaN), W, true],
  ['r-inf-weight', '+Inf in the classifier weight', (m) => f32(initializerOf(m, 'linear.weight'), 0, Infinity), 'linear.weight'],
  ['r-neginf-bias', '-Inf in a Conv bias', (m) => f32(initializerOf(m, B), 3, -Infinity), B],
  ['r-raw-short', 'raw_data 4 bytes short', (m) => (w(m).rawData = raw(w(m)).slice(0, -4)), W, true],
  ['r-raw-long', 'raw_data 4 bytes long', (m) => (w(m).rawData = new Uint8Array([...raw(w(m)), 0, 0, 0, 0])), W],
  ['r-no-data', 'a weight without data', (m) => (w(m).rawData = new Uint8Array(0)), W],
  ['r-typed-short', 'float_data one value short', (m) => Object.assign(w(m), { rawData: null, floatData: new Array(numel(w(m)) - 1).fill(0.1) }), W, true],
  ['r-typed-long', 'float_data one value long', (m) => Object.assign(w(m), { rawData: null, floatData: new Array(numel(w(m)) + 1).fill(0.1) }), W],
  ['r-typed-field', 'float weight in int64_data', (m) => Object.assign(w(m), { rawData: null, int64Data: new Array(numel(w(m))).fill(1) }), W],
  ['r-two-fields', 'values in raw_data and float_data', (m) => Object.assign(w(m), { floatData: new Array(numel(w(m))).fill(0.1) }), W],
  ['r-f16-short', 'float16 int32_data short', (m) => Object.assign(w(m), { dataType: 10, rawData: null, int32Data: [1, 2, 3] }), W],
  ['r-dtype-0', 'element type UNDEFINED', (m) => Object.assign(w(m), { dataType: 0 }), W],
  ['r-dtype-99', 'element type 99', (m) => Object.assign(w(m), { dataType: 99 }), W],
  ['r-neg-dim', 'a negative weight dimension', (m) => (w(m).dims = [-16, 3, 3, 3]), W],
  ['r-huge-dims', 'dims of 2^36 elements', (m) => (w(m).dims = [65536, 65536, 4, 4]), W],
  ['r-ir-99', 'IR version 99', (m) => (m.irVersion = 99), 'IR version 99', true],
  ['r-ir-0', 'IR version 0', (m) => (m.irVersion = 0), ''],
  ['r-ir-2', 'IR version 2', (m) => (m.irVersion = 2), 'IR version 2'],
  ['r-opset-99', 'opset 99', (m) => (m.opsetImport = [{ domain: '', version: 99 }]), 'opset 99'],
  ['r-opset-1', 'opset 1', (m) => (m.opsetImport = [{ domain: '', version: 1 }]), 'opset 1', true],
  ['r-opset-6', 'opset 6', (m) => (m.opsetImport = [{ domain: '', version: 6 }]), 'opset 6'],
  ['r-opset-missing', 'no opset import', (m) => (m.opsetImport = []), 'no opset', true],
  ['r-opset-dup', 'the default opset twice', (m) => m.opsetImport!.push({ domain: '', version: 11 }), 'twice'],
  ['r-ml-opset-99', 'ai.onnx.ml opset 99', (m) => m.opsetImport!.push({ domain: 'ai.onnx.ml', version: 99 }), 'ai.onnx.ml'],
  ['r-strides-floats', 'Conv strides as FLOATS', (m) => setAttr(conv(m), attr.floats('strides', [1, 1])), CONV, true],
  ['r-group-float', 'Conv group as FLOAT', (m) => setAttr(conv(m), attr.float('group', 1)), CONV],
  ['r-strides-int', 'Conv strides as INT', (m) => setAttr(conv(m), attr.int('strides', 1)), CONV],
  ['r-dilations-zero', 'Conv dilations 0', (m) => setAttr(conv(m), attr.ints('dilations', [0, 0])), CONV, true],
  ['r-strides-zero', 'Conv strides 0', (m) => setAttr(conv(m), attr.ints('strides', [0, 1])), CONV],
  ['r-pads-negative', 'Conv pads -1', (m) => setAttr(conv(m), attr.ints('pads', [-1, -1, -1, -1])), CONV, true],
  ['r-pads-length', 'Conv pads of 3 values', (m) => setAttr(conv(m), attr.ints('pads', [1, 1, 1])), CONV],
  ['r-kernel-mismatch', 'kernel_shape 5×5 for a 3×3 weight', (m) => setAttr(conv(m), attr.ints('kernel_shape', [5, 5])), CONV],
  ['r-group-3', 'group 3 for 16 channels', (m) => setAttr(conv(m), attr.int('group', 3)), CONV],
  ['r-unknown-attr', 'an attribute Conv does not have', (m) => setAttr(conv(m), attr.int('frobnicate', 1)), CONV],
  ['r-fused-attr', "the engine's internal __activation", (m) => setAttr(conv(m), attr.string('__activation', 'relu')), CONV],
  ['r-autopad-bad', 'auto_pad SAME_MIDDLE', (m) => setAttr(conv(m), attr.string('auto_pad', 'SAME_MIDDLE')), CONV],
  ['r-dup-attr', 'two strides attributes', (m) => (conv(m).attribute = [...conv(m).attribute!, attr.ints('strides', [2, 2])]), CONV],
  ['r-attr-noname', 'an attribute without a name', (m) => (conv(m).attribute = [...conv(m).attribute!, attr.int('', 1)]), CONV],
  ['r-weight-int8', 'an int8 Conv weight', (m) => Object.assign(w(m), { dataType: 3, rawData: new Uint8Array(numel(w(m))) }), W, true],
  ['r-weight-int64', 'an int64 Conv weight', (m) => Object.assign(w(m), { dataType: 7, rawData: new Uint8Array(numel(w(m)) * 8) }), W],
  ['r-gemm-uint8', 'a uint8 Gemm weight', (m) => Object.assign(initializerOf(m, 'linear.weight'), { dataType: 2, rawData: new Uint8Array(640) }), 'linear.weight'],
  ['r-gemm-transb-float', 'Gemm transB as FLOAT', (m) => setAttr(nodeOf(m, 'Gemm'), attr.float('transB', 1)), 'transB'],
  ['r-gemm-alpha-string', 'Gemm alpha as STRING', (m) => setAttr(nodeOf(m, 'Gemm'), attr.string('alpha', 'one')), 'alpha'],
  ['r-empty-optype', 'an empty op type', (m) => (nodeOf(m, 'Relu').opType = ''), 'empty op type', true],
  ['r-dup-output', 'two nodes write one tensor', (m) => (nodeOf(m, 'Relu', 1).output = [nodeOf(m, 'Relu', 0).output![0]]), '/Relu_output_0', true],
  ['r-output-is-input', 'a node writes the graph input', (m) => (nodeOf(m, 'Relu').output = ['input']), '"input"'],
  ['r-dangling', 'a node reads a tensor nothing writes', (m) => (nodeOf(m, 'Relu').input = ['nowhere']), 'nowhere'],
  ['r-cycle', 'a cycle', (m) => (conv(m).input = ['logits', W, B]), 'cycle'],
  ['r-output-ghost', 'a graph output nothing computes', (m) => (m.graph.output![0].name = 'ghost'), 'ghost'],
  ['r-dup-init', 'two initializers of one name', (m) => m.graph.initializer.push({ ...w(m) }), W],
  ['r-unsupported-op', 'an op the engine lacks', (m) => (nodeOf(m, 'Relu').opType = 'Frobnicate'), 'Frobnicate'],
  ['r-custom-domain', 'a custom-domain op', (m) => Object.assign(nodeOf(m, 'Relu'), { domain: 'com.example' }), 'com.example'],
  ['r-no-nodes', 'a graph without nodes', (m) => (m.graph.node = []), ''],
  ['r-neg-input-dim', 'input dim -4096', (m) => dim(m, 2, { dimValue: -4096 }), '-4096', true],
  ['r-huge-input-dim', 'input dim 10^9', (m) => dim(m, 2, { dimValue: 1e9 }), '"input"'],
  ['r-input-int8', 'an int8 graph input into Conv', (m) => (m.graph.input![0].type!.tensorType!.elemType = 3), CONV],
  ['r-external', 'external data', (m) => Object.assign(w(m), { rawData: null, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] }), 'weights.bin'],
  ['r-avgpool-kernel-0', 'AveragePool kernel 0', (m) => setAttr(nodeOf(m, 'AveragePool'), attr.ints('kernel_shape', [0, 0])), 'AveragePool'],
  ['r-avgpool-pad-big', 'AveragePool pads ≥ kernel', (m) => setAttr(nodeOf(m, 'AveragePool'), attr.ints('pads', [9, 9, 9, 9])), 'AveragePool'],
  ['r-unnamed', 'every node unnamed (valid)', (m) => m.graph.node.forEach((n) => (n.name = '')), '', true],
  ['r-same-names', 'every node named "n" (valid)', (m) => m.graph.node.forEach((n) => (n.name = 'n')), ''],
  ['r-unused-init', 'an unused initializer (valid)', (m) => m.graph.initializer.push({ name: 'unused', dataType: 1, dims: [2], floatData: [1, 2] }), ''],
];

const MNIST: Row[] = [
  ['m-pool-kernel-0', 'MaxPool kernel 0', (m) => setAttr(nodeOf(m, 'MaxPool'), attr.ints('kernel_shape', [0, 0])), 'Pooling66'],
  ['m-pool-stride-0', 'MaxPool strides 0', (m) => setAttr(nodeOf(m, 'MaxPool'), attr.ints('strides', [0, 0])), 'Pooling66'],
  ['m-pool-pads-neg', 'MaxPool pads -1', (m) => setAttr(nodeOf(m, 'MaxPool'), attr.ints('pads', [-1, 0, 0, 0])), 'Pooling66'],
  ['m-pool-pad-big', 'MaxPool pads ≥ kernel', (m) => setAttr(nodeOf(m, 'MaxPool'), attr.ints('pads', [2, 2, 2, 2])), 'Pooling66'],
  ['m-pool-no-kernel', 'MaxPool without kernel_shape', (m) => (nodeOf(m, 'MaxPool').attribute = nodeOf(m, 'MaxPool').attribute!.filter((a) => a.name !== 'kernel_shape')), 'Pooling66'],
  ['m-pool-ceil-2', 'MaxPool ceil_mode 2', (m) => setAttr(nodeOf(m, 'MaxPool'), attr.int('ceil_mode', 2)), 'Pooling66'],
  ['m-nan-matmul', 'NaN in a MatMul weight (float_data)', (m) => ((initializerOf(m, 'Parameter193').floatData as number[])[7] = NaN), 'Parameter193', true],
  ['m-opset-1', 'opset 1', (m) => (m.opsetImport = [{ domain: '', version: 1 }]), 'opset 1'],
  ['m-shape-short', 'Reshape shape one value short', (m) => (initializerOf(m, 'Pooling160_Output_0_reshape0_shape').int64Data = [1]), 'Pooling160_Output_0_reshape0_shape'],
  ['m-ir-99', 'IR version 99', (m) => (m.irVersion = 99), 'IR version 99'],
  ['m-matmul-uint8', 'a uint8 MatMul weight', (m) => Object.assign(initializerOf(m, 'Parameter193'), { dataType: 2, floatData: [], int32Data: new Array(2560).fill(1) }), 'Parameter193'],
  ['m-autopad-bad', 'auto_pad "SAME"', (m) => setAttr(nodeOf(m, 'Conv'), attr.string('auto_pad', 'SAME')), 'Convolution28'],
];

const ones = (n: number, v = 1) => new Uint8Array(new Float32Array(n).fill(v).buffer);
const tinyNode = (m: ModelProto, name: string) => m.graph.node.find((n) => n.name === name)!;
const TINY: Row[] = [
  ['t-bn-negvar', 'BatchNormalization variance -1', (m) => (initializerOf(m, 'bn2.var').rawData = ones(8, -1)), 'bn2.var', true],
  ['t-bn-len', 'BatchNormalization mean of 7 values', (m) => Object.assign(initializerOf(m, 'bn2.mean'), { dims: [7], rawData: ones(7, 0) }), 'BatchNormalization'],
  ['t-bn-eps-nan', 'BatchNormalization epsilon NaN', (m) => setAttr(nodeOf(m, 'BatchNormalization'), attr.float('epsilon', NaN)), 'BatchNormalization'],
  ['t-bn-eps-ints', 'BatchNormalization epsilon as INTS', (m) => setAttr(nodeOf(m, 'BatchNormalization'), attr.ints('epsilon', [0])), 'BatchNormalization'],
  ['t-conv-int8', 'an int8 Conv weight', (m) => Object.assign(initializerOf(m, 'conv2.w'), { dataType: 3, rawData: new Uint8Array(576) }), 'conv2.w'],
  ['t-constant-nan', 'NaN in a Constant weight', (m) => {
    const t = initializerOf(m, 'conv2.w');
    m.graph.initializer = m.graph.initializer.filter((x) => x !== t);
    m.graph.node.unshift({ opType: 'Constant', name: 'k', input: [], output: ['conv2.w'], attribute: [{ name: 'value', type: 4, t: { ...t, rawData: ones(576, NaN) } }] });
  }, 'conv2.w', true],
  ['t-leaky-alpha-int', 'LeakyRelu alpha as INT', (m) => Object.assign(tinyNode(m, 'relu1'), { opType: 'LeakyRelu', attribute: [attr.int('alpha', 1)] }), 'relu1'],
  ['t-flatten-axis-float', 'Flatten axis as FLOAT', (m) => setAttr(tinyNode(m, 'flat'), attr.float('axis', 1)), 'flat'],
  ['t-bias-len', 'a Conv bias of 9 values', (m) => Object.assign(initializerOf(m, 'conv1.b'), { dims: [9], rawData: ones(9) }), 'conv1.b'],
  ['t-weight-rank2', 'a Conv weight of rank 2', (m) => (initializerOf(m, 'conv1.w').dims = [8, 27]), 'conv1.w'],
  ['t-channels', 'a Conv weight for 4 input channels', (m) => Object.assign(initializerOf(m, 'conv1.w'), { dims: [8, 4, 3, 3], rawData: ones(288, 0.1) }), 'conv1'],
];
const TINY_CONVT: Row[] = [
  ['t-convt-outpad-neg', 'ConvTranspose output_padding -1', (m) => setAttr(tinyNode(m, 'up'), attr.ints('output_padding', [-1, -1])), 'up'],
  ['t-convt-group-0', 'ConvTranspose group 0', (m) => setAttr(tinyNode(m, 'up'), attr.int('group', 0)), 'up'],
  ['t-avgpool-pads-neg', 'AveragePool pads -2', (m) => setAttr(tinyNode(m, 'avg'), attr.ints('pads', [-2, 0, 0, 0])), 'avg'],
  ['t-avgpool-cip-3', 'AveragePool count_include_pad 3', (m) => setAttr(tinyNode(m, 'avg'), attr.int('count_include_pad', 3)), 'avg'],
];

/** Writes the models into `dir`; each case evaluates one on `images` (CIFAR-shaped) or `mnist`. */
export function modelCases(dir: string, bases: { resnet20: Uint8Array; mnist8: Uint8Array }, images: string, mnist: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (rows: Row[], base: () => ModelProto, imgs: string, extra: HostileCase[] = []) => {
    for (const [id, what, mutate, mention, fast] of rows) {
      const m = base();
      mutate(m);
      const file = join(dir, `${id}.onnx`);
      writeFileSync(file, encodeModel(m));
      const accept = what.endsWith('(valid)');
      cases.push({ id, what, args: ['eval', '--model', file, '--images', imgs, '--limit', '4', '--batch', '4'], expect: accept ? 'accept' : 'error', mentions: [`${id}.onnx`, ...(mention ? [mention] : [])], fast });
    }
    cases.push(...extra);
  };
  const ok = (id: string, what: string, bytes: Uint8Array, imgs: string, fast = false): HostileCase => {
    const file = join(dir, `${id}.onnx`);
    writeFileSync(file, bytes);
    return { id, what: `${what} (valid)`, args: ['eval', '--model', file, '--images', imgs, '--limit', '4', '--batch', '4'], expect: 'accept', mentions: [], fast };
  };
  add(RESNET, () => decodeModel(bases.resnet20), images, [ok('r-ok', 'ResNet-20 as shipped', bases.resnet20, images)]);
  add(MNIST, () => decodeModel(bases.mnist8), mnist, [ok('m-ok', 'MNIST-8 as shipped', bases.mnist8, mnist)]);
  add(TINY, () => tinyModel(), images, [ok('t-ok', 'two unnamed BatchNormalizations', encodeModel(tinyModel()), images, true)]);
  add(TINY_CONVT, () => tinyModel({ convTranspose: true }), images, [ok('t-convt-ok', 'ConvTranspose and AveragePool', encodeModel(tinyModel({ convTranspose: true })), images)]);
  // Valid weights, but the model divides by zero: calibration must stop, naming the layer.
  const div = tinyModel();
  Object.assign(tinyNode(div, 'relu1'), { opType: 'Div', input: ['c1', 'zero'] });
  div.graph.initializer.push({ name: 'zero', dataType: 1, dims: [1], floatData: [0] });
  writeFileSync(join(dir, 't-div-zero.onnx'), encodeModel(div));
  const out = join(dir, 't-div-zero.q.onnx');
  const q = ['quantize', '--model', join(dir, 't-div-zero.onnx'), '--calib', images, '--calib-count', '4', '--batch', '4', '--out', out];
  cases.push({ id: 't-div-zero', what: 'NaN/Inf activations in calibration', args: q, expect: 'error', mentions: ['t-div-zero.onnx', 'BatchNormalization "n1"'] });
  return cases;
}
