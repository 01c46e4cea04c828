// Graph IR → ONNX file bytes (protobufjs generated encoder). Tensors are written as raw_data.
import { onnx } from './proto/onnx';
import type { Attr, Graph, Model, Tensor, ValueInfo } from '../graph/ir';
import $protobuf from 'protobufjs/minimal.js';

/** int64 fields through Long.fromNumber, which saturates: 2^63 (INT64_MAX as a JS number) must not wrap. */
const Long = $protobuf.util.Long as unknown as { fromNumber(v: number): number } | undefined;
const i64 = (v: number): number => (Long && !Number.isSafeInteger(v) ? Long.fromNumber(v) : v);

const AT = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

export function writeModel(m: Model): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: i64(m.irVersion),
    opsetImport: m.opsets.map((o) => ({ domain: o.domain, version: i64(o.version) })),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    domain: m.domain,
    modelVersion: i64(m.modelVersion),
    docString: m.docString,
    metadataProps: m.metadata,
    graph: graphProto(m.graph),
    ...m.passthrough,
  };
  const out = onnx.ModelProto.encode(proto).finish();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function graphProto(g: Graph): onnx.IGraphProto {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs).map(([name, a]) => attrProto(name, a)),
      docString: n.docString,
    })),
    initializer: [...g.initializers.values()].map(tensorProto),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map(valueInfoProto),
    valueInfo: g.valueInfo.map(valueInfoProto),
    docString: g.docString,
    ...g.passthrough,
  };
}

export function tensorProto(t: Tensor): onnx.ITensorProto {
  const p: onnx.ITensorProto = { name: t.name, dataType: t.dataType, dims: t.dims.map(i64), docString: t.docString };
  if (t.strings) p.stringData = t.strings;
  else p.rawData = t.raw;
  return p;
}

function attrProto(name: string, a: Attr): onnx.IAttributeProto {
  switch (a.type) {
    case 'float': return { name, type: AT.FLOAT, f: a.value };
    case 'int': return { name, type: AT.INT, i: i64(a.value) };
    case 'string': return { name, type: AT.STRING, s: utf8.encode(a.value) };
    case 'tensor': return { name, type: AT.TENSOR, t: tensorProto(a.value) };
    case 'floats': return { name, type: AT.FLOATS, floats: a.value };
    case 'ints': return { name, type: AT.INTS, ints: a.value.map(i64) };
    case 'strings': return { name, type: AT.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    default: return { ...a.value, name };
  }
}

function valueInfoProto(v: ValueInfo): onnx.IValueInfoProto {
  if (v.type) return { name: v.name, type: v.type, docString: v.docString };
  const shape = v.shape
    ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: i64(d) } : typeof d === 'string' ? { dimParam: d } : {})) }
    : undefined;
  return { name: v.name, docString: v.docString, type: { tensorType: { elemType: v.dataType, shape } } };
}
