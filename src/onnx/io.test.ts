// ONNX reader/writer: parse → write → parse is identical; tensors are views; bad files fail clearly.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readModel, readTensor } from './read';
import { onnx } from './proto/onnx';
import { writeModel } from './write';
import { isStudioError } from '../engine/errors';

export const SHARED = path.resolve(__dirname, '../../../shared');
const fileBytes = (p: string) => {
  const b = readFileSync(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

const models = ['models/resnet20_cifar10.onnx', 'models/mnist-8.onnx'];

describe('ONNX read/write', () => {
  it.each(models)('round-trips %s identically', (rel) => {
    const bytes = fileBytes(path.join(SHARED, rel));
    const a = readModel(bytes, rel);
    const written = writeModel(a);
    const b = readModel(written, rel);
    expect(b).toEqual(a);
    // and once more: writing the re-read model gives the same bytes
    expect(Buffer.from(writeModel(b)).equals(Buffer.from(written))).toBe(true);
  });

  it('keeps large initializers as views into the file', () => {
    const bytes = fileBytes(path.join(SHARED, models[0]));
    const m = readModel(bytes);
    const big = [...m.graph.initializers.values()].filter((t) => t.raw.byteLength > 1024);
    expect(big.length).toBeGreaterThan(10);
    for (const t of big) expect(t.raw.buffer).toBe(bytes.buffer);
  });

  it('reads the resnet20 graph', () => {
    const m = readModel(fileBytes(path.join(SHARED, models[0])));
    expect(m.graph.inputs[0]).toMatchObject({ name: 'input', dataType: 1, shape: ['N', 3, 32, 32] });
    expect(m.graph.nodes.filter((n) => n.opType === 'Conv')).toHaveLength(19);
  });

  const bad: [string, () => Uint8Array, string][] = [
    ['a text file', () => new TextEncoder().encode('hello, this is not a model\n'), 'not-onnx'],
    ['an empty file', () => new Uint8Array(0), 'not-onnx'],
    ['a truncated model', () => fileBytes(path.join(SHARED, models[0])).slice(0, 5000), 'truncated'],
    ['a PNG image', () => fileBytes(path.join(SHARED, 'data/cifar10/test/0000_cat.png')), 'not-onnx'],
  ];
  it.each(bad)('rejects %s with a specific error', (_what, make, code) => {
    let err: unknown;
    try {
      readModel(make(), 'x.onnx');
    } catch (e) {
      err = e;
    }
    expect(isStudioError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    expect((err as Error).message).toContain('x.onnx');
  });
});

describe('tensors whose data does not match their shape', () => {
  const tensor = (dims: number[], raw: Uint8Array) => onnx.TensorProto.create({ name: 'w', dataType: 1, dims, rawData: raw });
  it.each([
    ['raw data shorter than the shape', [2, 3], 20, /holds 20 bytes of raw data, but its shape \[2,3\] of 6 values needs 24/],
    ['raw data longer than the shape', [2, 3], 28, /holds 28 bytes of raw data, but its shape \[2,3\] of 6 values needs 24/],
    ['a negative dimension', [2, -4], 8, /has the shape \[2,-4\]: dimensions must be whole numbers ≥ 0/],
  ] as const)('refuses %s, naming the tensor', (_what, dims, bytes, why) => {
    expect(() => readTensor(tensor([...dims], new Uint8Array(bytes)), 'm.onnx')).toThrow(why);
    expect(() => readTensor(tensor([...dims], new Uint8Array(bytes)), 'm.onnx')).toThrow(/tensor "w" in "m\.onnx"/);
  });
  it('reads raw data of the exact length, and int4 packed two per byte', () => {
    expect(readTensor(tensor([2, 3], new Uint8Array(24))).dims).toEqual([2, 3]);
    expect(readTensor(onnx.TensorProto.create({ name: 'q', dataType: 22, dims: [5], rawData: new Uint8Array(3) })).raw.byteLength).toBe(3);
    expect(() => readTensor(onnx.TensorProto.create({ name: 'q', dataType: 22, dims: [5], rawData: new Uint8Array(4) }))).toThrow(/needs 3/);
  });
});

describe('onnxruntime runs what we write', () => {
  it.each(models)('%s: bit-identical outputs from the original and the rewritten file', async (rel) => {
    const ort = await import('onnxruntime-node');
    const bytes = fileBytes(path.join(SHARED, rel));
    const rewritten = writeModel(readModel(bytes));
    const s1 = await ort.InferenceSession.create(bytes);
    const s2 = await ort.InferenceSession.create(rewritten);
    const shape = rel.includes('mnist') ? [1, 1, 28, 28] : [2, 3, 32, 32];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random() * 2 - 1);
    const feeds = { [s1.inputNames[0]]: new ort.Tensor('float32', x, shape) };
    const y1 = (await s1.run(feeds))[s1.outputNames[0]].data as Float32Array;
    const y2 = (await s2.run(feeds))[s2.outputNames[0]].data as Float32Array;
    expect(Buffer.from(y2.buffer).equals(Buffer.from(y1.buffer))).toBe(true);
  });
});
