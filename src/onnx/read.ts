// ONNX file → graph IR, through the protobufjs code generated from onnx.proto. Tensor bytes
// stay views into the file; malformed files become StudioErrors that say what to do.
import { onnx } from './proto/onnx';
import { StudioError } from '../engine/errors';
import type { Attr, Graph, Model, Node, Tensor, ValueInfo } from '../graph/ir';
import { DT, dtypeBytes, dtypeName, makeTensor } from './dtype';
import { MAX_ELEMENTS, validateModel } from './validate';

type Int64 = number | { toNumber(): number } | null | undefined;
export const num = (v: Int64): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

const utf8 = new TextDecoder();
const AT = onnx.AttributeProto.AttributeType;
/** uint4, int4, float4e2m1, uint2, int2. */
const SUB_BYTE = new Set([21, 22, 23, 25, 26]);
/** float8e4m3fn, float8e4m3fnuz, float8e5m2, float8e5m2fnuz, float8e8m0. */
const FLOAT8 = new Set([17, 18, 19, 20, 24]);

/** Parse an .onnx file. `bytes` must stay alive: initializers are views into it. */
export function readModel(input: Uint8Array, fileName = 'model.onnx'): Model {
  // A plain Uint8Array view (not a Node Buffer) so every tensor is a Uint8Array view too.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.byteLength === 0) throw new StudioError('not-onnx', `"${fileName}" is empty. Choose an .onnx model file.`, fileName);
  const kind = sniffOther(bytes);
  if (kind) throw new StudioError('not-onnx', `"${fileName}" is ${kind}, not an ONNX model. Choose a .onnx file exported by PyTorch (torch.onnx.export), tf2onnx or similar.`, fileName);
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    if (/index out of range/i.test(msg)) {
      throw new StudioError('truncated', `"${fileName}" is truncated: the protobuf data ends early (${msg}). The download or copy was probably cut short; get the complete file again.`, fileName);
    }
    throw new StudioError('not-onnx', `"${fileName}" is not an ONNX model (it does not decode as an ONNX protobuf: ${msg}). Choose a .onnx file exported by PyTorch (torch.onnx.export), tf2onnx or similar.`, fileName);
  }
  if (proto.graph && num(proto.irVersion) > 0 && !proto.graph.node?.length) {
    throw new StudioError('bad-input', `"${fileName}" holds a graph without nodes: there is nothing to run. Export the model again, with its layers.`, fileName);
  }
  if (!proto.graph || num(proto.irVersion) <= 0) {
    const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new StudioError('not-onnx', `"${fileName}" is not an ONNX model (no graph or IR version found; file starts with ${head}). Choose a .onnx file exported by PyTorch (torch.onnx.export), tf2onnx or similar.`, fileName);
  }
  const external = [...(proto.graph.initializer ?? []), ...constantTensors(proto.graph)].filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  if (external.length) {
    const where = external[0].externalData?.find((e) => e.key === 'location')?.value ?? '?';
    throw new StudioError('external-data', `"${fileName}" keeps ${external.length} tensor(s) in an external data file ("${where}"; e.g. ${external.slice(0, 3).map((t) => `"${t.name}"`).join(', ')}). The studio needs one self-contained file: re-save it with onnx.save_model(model, "model.onnx", save_as_external_data=False) (possible for models under 2 GB).`, fileName);
  }
  const model: Model = {
    irVersion: num(proto.irVersion),
    opsets: proto.opsetImport.map((o) => ({ domain: o.domain ?? '', version: num(o.version) })),
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    domain: proto.domain ?? '',
    modelVersion: num(proto.modelVersion),
    docString: proto.docString ?? '',
    metadata: proto.metadataProps.map((p) => ({ key: p.key ?? '', value: p.value ?? '' })),
    graph: readGraph(proto.graph, fileName),
    passthrough: { trainingInfo: proto.trainingInfo, functions: proto.functions, configuration: proto.configuration },
  };
  validateModel(model, fileName);
  return model;
}

/** What a file that is not a protobuf is, from its first bytes ('' when it might be one). */
function sniffOther(b: Uint8Array): string {
  const head = (s: string) => [...s].every((c, i) => b[i] === c.charCodeAt(0));
  if (head('\x89PNG')) return 'a PNG image';
  if (b[0] === 0xff && b[1] === 0xd8) return 'a JPEG image';
  if (head('PK\x03\x04')) return 'a .zip archive (unpack it and choose the .onnx inside)';
  if (head('\x1f\x8b')) return 'gzip-compressed (decompress it first)';
  const start = b.subarray(0, 64);
  if (start.length >= 4 && start.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) return `a text file (it starts with "${new TextDecoder().decode(start.subarray(0, 24)).replace(/\s+/g, ' ')}")`;
  return '';
}

function* constantTensors(g: onnx.IGraphProto): Generator<onnx.ITensorProto> {
  for (const n of g.node ?? []) for (const a of n.attribute ?? []) if (a.t) yield a.t;
}

function readGraph(g: onnx.IGraphProto, fileName: string): Graph {
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    if (initializers.has(t.name ?? '')) throw new StudioError('bad-input', `"${fileName}" holds two initializers named "${t.name ?? ''}"; one would silently replace the other. The file is damaged or hand-edited; export the model again.`, fileName);
    initializers.set(t.name ?? '', readTensor(t, fileName));
  }
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n) => readNode(n, fileName)),
    inputs: (g.input ?? []).map(readValueInfo),
    outputs: (g.output ?? []).map(readValueInfo),
    valueInfo: (g.valueInfo ?? []).map(readValueInfo),
    initializers,
    docString: g.docString || undefined,
    passthrough: { sparseInitializer: g.sparseInitializer, quantizationAnnotation: g.quantizationAnnotation, metadataProps: g.metadataProps },
  };
}

export function readTensor(t: onnx.ITensorProto, fileName = ''): Tensor {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(num);
  const dataType = t.dataType ?? 0;
  const docString = t.docString || undefined;
  const where = `tensor "${name}"${fileName ? ` in "${fileName}"` : ''}`;
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new StudioError('bad-input', `${where} has the shape [${dims.join(',')}]: dimensions must be whole numbers ≥ 0. The file is damaged; export the model again.`, fileName);
  }
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > MAX_ELEMENTS) {
    throw new StudioError('bad-input', `${where} has the shape [${dims.join(',')}] of ${n} elements, more than the studio's limit of ${MAX_ELEMENTS} (2^28) per tensor. The model is too large for the studio (or the file is damaged); use a smaller model.`, fileName);
  }
  if (dataType === DT.STRING) {
    if ((t.stringData ?? []).length !== n) throw new StudioError('bad-input', `${where} has ${(t.stringData ?? []).length} strings but its shape [${dims.join(',')}] needs ${n}. The file is damaged; export the model again.`, fileName);
    return { name, dataType, dims, raw: new Uint8Array(0), strings: t.stringData ?? [], docString };
  }
  if (t.rawData && t.rawData.byteLength > 0) {
    const typed = TYPED_FIELDS.filter((f) => (t[f]?.length ?? 0) > 0);
    if (typed.length) throw new StudioError('bad-input', `${where} holds its values twice, in raw_data and in ${typed.join(' and ')}; which one is meant is ambiguous. The file is damaged or was written by a faulty exporter; export the model again.`, fileName);
    // Read exactly the bytes the shape says: a shorter or longer raw_data would otherwise be read
    // past its end (the file's next bytes as weights) or silently cut.
    const size = dtypeBytes(dataType);
    const want = size ? n * size : SUB_BYTE.has(dataType) ? Math.ceil((n * (dataType >= 25 ? 2 : 4)) / 8) : null;
    if (want !== null && t.rawData.byteLength !== want) {
      throw new StudioError('bad-input', `${where} holds ${t.rawData.byteLength} bytes of raw data, but its shape [${dims.join(',')}] of ${n} values needs ${want}. The file is damaged or was written by a faulty exporter; export the model again.`, fileName);
    }
    return { name, dataType, dims, raw: t.rawData, docString };
  }
  const fields = TYPED_FIELDS.filter((f) => (t[f]?.length ?? 0) > 0);
  const want = fieldFor(dataType);
  if (fields.length > 1 || (fields.length === 1 && fields[0] !== want)) {
    throw new StudioError('bad-input', `${where} is ${dtypeName(dataType)} but keeps its values in ${fields.join(' and ')}${want ? ` (ONNX stores ${dtypeName(dataType)} in ${want})` : ''}. The file is damaged or was written by a faulty exporter; export the model again.`, fileName);
  }
  let values: ArrayLike<number> = [];
  if (t.floatData?.length) values = t.floatData;
  else if (t.doubleData?.length) values = t.doubleData;
  else if (t.int64Data?.length) values = t.int64Data.map(num);
  else if (t.uint64Data?.length) values = t.uint64Data.map(num);
  else if (t.int32Data?.length) {
    values = t.int32Data;
    const packed = SUB_BYTE.has(dataType) ? Math.ceil((n * (dataType >= 25 ? 2 : 4)) / 8) : n;
    if ((SUB_BYTE.has(dataType) || dataType === DT.FLOAT16 || dataType === DT.BFLOAT16) && t.int32Data.length !== packed) {
      throw new StudioError('bad-input', `${where} has ${t.int32Data.length} entries in int32_data but its shape [${dims.join(',')}] needs ${packed}. The file is damaged; export the model again.`, fileName);
    }
    if (SUB_BYTE.has(dataType) || (FLOAT8.has(dataType) && t.int32Data.length === n)) {
      // 4- and 2-bit types travel packed, one byte per int32_data entry; float8 as their bit patterns.
      return { name, dataType, dims, raw: Uint8Array.from(t.int32Data), docString };
    }
    if (dataType === DT.FLOAT16 || dataType === DT.BFLOAT16) {
      // 16-bit floats travel as their bit patterns in int32_data.
      const raw = new Uint8Array(n * 2);
      const dv = new DataView(raw.buffer);
      t.int32Data.forEach((v, i) => dv.setUint16(i * 2, v, true));
      return { name, dataType, dims, raw, docString };
    }
  }
  if (values.length !== n) {
    throw new StudioError('bad-input', `${where} has ${values.length} values but its shape [${dims.join(',')}] needs ${n}. The file is damaged; export the model again.`, fileName);
  }
  if (!dtypeBytes(dataType) && dataType !== DT.INT4 && dataType !== DT.UINT4) return { name, dataType, dims, raw: new Uint8Array(0), docString };
  return { ...makeTensor(name, dataType, dims, values), docString };
}

const TYPED_FIELDS = ['floatData', 'doubleData', 'int32Data', 'int64Data', 'uint64Data'] as const;

/** The typed field ONNX keeps values of this element type in (onnx.proto, TensorProto). */
function fieldFor(dt: number): (typeof TYPED_FIELDS)[number] | undefined {
  if (dt === DT.FLOAT || dt === 14) return 'floatData';
  if (dt === DT.DOUBLE || dt === 15) return 'doubleData';
  if (dt === DT.INT64) return 'int64Data';
  if (dt === DT.UINT32 || dt === DT.UINT64) return 'uint64Data';
  if (dt === DT.STRING || dt === 0) return undefined;
  return 'int32Data';
}

function readNode(n: onnx.INodeProto, fileName: string): Node {
  const attrs: Record<string, Attr> = {};
  for (const a of n.attribute ?? []) {
    if (!a.name || Object.hasOwn(attrs, a.name)) throw new StudioError('bad-input', `"${fileName}": node "${n.name ?? ''}" (${n.opType || 'no op type'}) has ${a.name ? `two attributes named "${a.name}"` : 'an attribute without a name'}. The file is damaged or hand-edited; export the model again.`, fileName);
    attrs[a.name] = readAttr(a, fileName);
  }
  return {
    name: n.name ?? '',
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs,
    docString: n.docString || undefined,
  };
}

function readAttr(a: onnx.IAttributeProto, fileName: string): Attr {
  if (a.refAttrName) return { type: 'proto', value: a };
  switch (a.type) {
    case AT.FLOAT: return { type: 'float', value: a.f ?? 0 };
    case AT.INT: return { type: 'int', value: num(a.i) };
    case AT.STRING: return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array(0)) };
    case AT.TENSOR: return { type: 'tensor', value: readTensor(a.t ?? {}, fileName) };
    case AT.FLOATS: return { type: 'floats', value: [...(a.floats ?? [])] };
    case AT.INTS: return { type: 'ints', value: (a.ints ?? []).map(num) };
    case AT.STRINGS: return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    default: return { type: 'proto', value: a };
  }
}

function readValueInfo(v: onnx.IValueInfoProto): ValueInfo {
  const tt = v.type?.tensorType;
  const info: ValueInfo = { name: v.name ?? '', docString: v.docString || undefined };
  if (!tt || v.type?.denotation) {
    info.type = v.type ?? undefined;
    if (!tt) return info;
  }
  info.dataType = tt.elemType ?? 0;
  if (tt.shape) {
    // Decoded messages own only the fields present in the file (oneof dim_value | dim_param).
    const has = (d: object, k: string) => Object.prototype.hasOwnProperty.call(d, k);
    info.shape = (tt.shape.dim ?? []).map((d) => (has(d, 'dimParam') ? d.dimParam ?? '' : has(d, 'dimValue') ? num(d.dimValue) : null));
  }
  return info;
}
