// Validation at load: each model here was accepted before (a silent wrong answer or a vague failure
// later) and must now be refused with a message naming the file, the node or tensor and what to do.
import { describe, expect, it } from 'vitest';
import { readModel } from './read';
import { tensorFloat32 } from './dtype';
import { isStudioError } from '../engine/errors';
import { attr, encodeModel, floatTensor, initializerOf, nodeOf, setAttr, tinyModel, type ModelProto } from '../test/onnx-builder';

const FILE = 'hostile.onnx';

/** The StudioError readModel throws for `m`; it names the file, every `mentions` and says what to do. */
function refused(m: ModelProto, ...mentions: string[]): string {
  let err: unknown;
  try {
    readModel(encodeModel(m), FILE);
  } catch (e) {
    err = e;
  }
  expect(isStudioError(err), `expected a StudioError, got ${String(err)}`).toBe(true);
  const msg = (err as Error).message;
  for (const s of [FILE, ...mentions]) expect(msg).toContain(s);
  expect(msg).toMatch(/\b(export|fix|choose|use|add|keep|rename|save|recompute|give)\b/i);
  return msg;
}

const mutate = (f: (m: ModelProto) => void): ModelProto => {
  const m = tinyModel();
  f(m);
  return m;
};
const conv1 = (m: ModelProto) => nodeOf(m, 'Conv', 0);
const rawOf = (m: ModelProto, name: string) => initializerOf(m, name).rawData as Uint8Array;

describe('validation at load', () => {
  it('accepts the model it mutates and names unnamed nodes uniquely', () => {
    const m = readModel(encodeModel(tinyModel()), FILE);
    const names = m.graph.nodes.map((n) => n.name);
    expect(names.every(Boolean)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const dup = readModel(encodeModel(mutate((p) => p.graph.node.forEach((n) => (n.name = 'same')))), FILE);
    expect(new Set(dup.graph.nodes.map((n) => n.name)).size).toBe(dup.graph.nodes.length);
  });

  it('refuses NaN and Inf weights, naming the tensor', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const msg = refused(mutate((m) => new DataView(rawOf(m, 'conv1.w').buffer, rawOf(m, 'conv1.w').byteOffset).setFloat32(8, bad, true)), 'conv1.w', 'element 2');
      expect(msg).toContain(String(bad));
    }
  });

  it('refuses raw data shorter or longer than the shape, and typed fields of the wrong length or kind', () => {
    refused(mutate((m) => (initializerOf(m, 'conv1.w').rawData = rawOf(m, 'conv1.w').subarray(4))), 'conv1.w', '860 bytes');
    refused(mutate((m) => (initializerOf(m, 'fc.b').rawData = new Uint8Array(44))), 'fc.b', '44 bytes');
    refused(mutate((m) => Object.assign(initializerOf(m, 'fc.b'), { rawData: undefined, floatData: [1, 2, 3] })), 'fc.b', '3 values');
    refused(mutate((m) => Object.assign(initializerOf(m, 'fc.b'), { rawData: undefined, floatData: new Array(11).fill(0) })), 'fc.b', '11 values');
    refused(mutate((m) => Object.assign(initializerOf(m, 'fc.b'), { rawData: undefined, int64Data: new Array(10).fill(1) })), 'fc.b', 'floatData');
    refused(mutate((m) => Object.assign(initializerOf(m, 'fc.b'), { dataType: 10, rawData: undefined, int32Data: [1, 2] })), 'fc.b', 'int32_data');
  });

  it('tensorFloat32 refuses a tensor whose bytes do not match its shape', () => {
    const raw = new Uint8Array(64);
    expect(() => tensorFloat32({ name: 'w', dataType: 1, dims: [8], raw: raw.subarray(0, 36) })).toThrow(/"w" has 36 bytes of data, 32 expected/);
  });

  it('refuses IR versions and opsets outside the supported ranges, and a missing default opset', () => {
    expect(refused(mutate((m) => (m.irVersion = 99)), 'IR version 99', '3 to 13')).toBeTruthy();
    refused(mutate((m) => (m.opsetImport = [{ domain: '', version: 99 }])), 'opset 99', '7 to 25');
    refused(mutate((m) => (m.opsetImport = [{ domain: '', version: 1 }])), 'opset 1', '7 to 25');
    refused(mutate((m) => (m.opsetImport = [])), 'no opset for the default ONNX domain');
    refused(mutate((m) => m.opsetImport!.push({ domain: 'ai.onnx.ml', version: 42 })), 'ai.onnx.ml', '1 to 5');
    refused(mutate((m) => m.opsetImport!.push({ domain: '', version: 13 })), 'twice');
  });

  it('refuses Conv attributes of the wrong type or out of range, naming the node', () => {
    refused(mutate((m) => setAttr(conv1(m), attr.floats('strides', [1, 1]))), 'node #0 (Conv "conv1")', '"strides" is FLOATS', 'INTS');
    refused(mutate((m) => setAttr(conv1(m), attr.float('group', 1))), 'conv1', '"group" is FLOAT');
    refused(mutate((m) => setAttr(conv1(m), attr.ints('dilations', [0, 0]))), 'conv1', 'dilations [0, 0]', '≥ 1');
    refused(mutate((m) => setAttr(conv1(m), attr.ints('strides', [1, 0]))), 'conv1', 'strides');
    refused(mutate((m) => setAttr(conv1(m), attr.ints('pads', [1, -1, 1, 1]))), 'conv1', 'pads [1, -1, 1, 1]', '≥ 0');
    refused(mutate((m) => setAttr(conv1(m), attr.ints('pads', [1, 1]))), 'conv1', 'needs 4 values');
    refused(mutate((m) => setAttr(conv1(m), attr.ints('kernel_shape', [5, 5]))), 'conv1', 'kernel_shape [5, 5]', 'conv1.w');
    refused(mutate((m) => setAttr(conv1(m), attr.int('group', 3))), 'conv1', 'group 3');
    refused(mutate((m) => setAttr(conv1(m), attr.string('auto_pad', 'SAME_MIDDLE'))), 'conv1', 'SAME_MIDDLE');
    refused(mutate((m) => setAttr(conv1(m), attr.int('__activation', 1))), 'conv1', '"__activation"');
    refused(mutate((m) => setAttr(nodeOf(m, 'MaxPool'), attr.ints('pads', [2, 0, 0, 0]))), 'pool', 'smaller than the kernel');
  });

  it('refuses an int8 Conv weight and a BatchNormalization whose variance is negative', () => {
    refused(mutate((m) => Object.assign(initializerOf(m, 'conv1.w'), { dataType: 3, rawData: new Uint8Array(216) })), 'conv1', 'conv1.w', 'int8');
    refused(mutate((m) => (initializerOf(m, 'bn2.var').rawData = new Uint8Array(Float32Array.from([-1, 1, 1, 1, 1, 1, 1, 1]).buffer))), 'BatchNormalization', 'bn2.var');
  });

  it('refuses empty op types, duplicate outputs, dangling inputs and cycles', () => {
    refused(mutate((m) => (nodeOf(m, 'Relu').opType = '')), 'node #1', 'empty op type');
    refused(mutate((m) => (nodeOf(m, 'Relu', 1).output = ['r1'])), 'node #5', '"r1"', 'node #1');
    refused(mutate((m) => (nodeOf(m, 'Relu').input = ['nowhere'])), 'relu1', '"nowhere"');
    refused(mutate((m) => (conv1(m).input = ['y', 'conv1.w', 'conv1.b'])), 'cycle');
    refused(mutate((m) => m.graph.initializer.push(floatTensor('fc.b', [10], new Float32Array(10)))), 'two initializers named "fc.b"');
  });

  it('refuses negative and oversized declared dimensions', () => {
    refused(mutate((m) => (m.graph.input![0].type!.tensorType!.shape!.dim![2] = { dimValue: -4096 })), '"x"', '-4096');
    refused(mutate((m) => (m.graph.input![0].type!.tensorType!.shape!.dim![2] = { dimValue: 1e9 })), '"x"', '2^28');
  });
});
