// Checks a parsed model before any GPU work, stricter than onnxruntime: IR and opset ranges, tensor
// sizes and values, graph structure; then gives unnamed or duplicate-named nodes unique names.
import { StudioError } from '../engine/errors';
import type { Graph, Model, Node, Tensor, ValueInfo } from '../graph/ir';
import { DT, dtypeBytes, dtypeName, isFloatType, tensorFloat32, tensorValues } from './dtype';
import { checkNodeOps, FLOAT_WEIGHT_INPUTS } from './validate-ops';

/** IR versions read: 3 (ONNX 1.0, the first with opset imports) to 13 (the newest in our conformance data). */
export const IR_VERSIONS = { min: 3, max: 13 } as const;

/**
 * Opset versions per domain. The default domain: 7 (numpy broadcasting; older opsets broadcast by
 * attribute) to 25 (the newest the engine's conformance data uses). Other known domains are listed so a
 * version from the future is caught; unknown domains need a version ≥ 1 (their ops are refused later).
 */
export const OPSETS: Record<string, { min: number; max: number }> = {
  '': { min: 7, max: 25 },
  'ai.onnx.ml': { min: 1, max: 5 },
  'ai.onnx.training': { min: 1, max: 1 },
  'ai.onnx.preview.training': { min: 1, max: 1 },
  'com.microsoft': { min: 1, max: 1 },
};

/** The most elements any one tensor may have: 2^28 (1 GiB of float32), initializers and declared shapes alike. */
export const MAX_ELEMENTS = 2 ** 28;

const REEXPORT = 'Export the model again (e.g. torch.onnx.export(..., opset_version=17))';

/** `node #3 (Conv "conv1")` or `node #3 (Conv, unnamed)`: how every message names a node. */
export function nodeLabel(n: Node, index: number): string {
  return `node #${index} (${n.opType || 'no op type'}${n.name ? ` "${n.name}"` : ', unnamed'})`;
}

/** Throws a StudioError for the first problem found; on success names every node uniquely (in place). */
export function validateModel(m: Model, file: string): void {
  const fail = (code: 'bad-input' | 'unsupported-ops', msg: string): never => {
    throw new StudioError(code, `"${file}": ${msg}`, file);
  };
  checkVersions(m, fail);
  checkStructure(m.graph, fail);
  checkTensors(m.graph, fail);
  for (const v of [...m.graph.inputs, ...m.graph.outputs, ...m.graph.valueInfo]) checkValueInfo(v, fail);
  m.graph.nodes.forEach((n, i) => checkNodeOps(m.graph, n, nodeLabel(n, i), (msg) => fail('bad-input', msg)));
  nameNodes(m.graph);
}

type Fail = (code: 'bad-input' | 'unsupported-ops', msg: string) => never;

function checkVersions(m: Model, fail: Fail): void {
  const { min, max } = IR_VERSIONS;
  if (!Number.isSafeInteger(m.irVersion) || m.irVersion < min || m.irVersion > max) {
    fail('unsupported-ops', `IR version ${m.irVersion} is outside the range the studio reads (${min} to ${max}). ${m.irVersion > max ? 'The file was written by a newer ONNX than the studio knows; save it with an older IR version (onnx.helper.make_model(..., ir_version=10)) or export it with an older exporter' : 'The file predates opset imports; ' + REEXPORT.toLowerCase()}.`);
  }
  const seen = new Set<string>();
  for (const o of m.opsets) {
    const d = o.domain === 'ai.onnx' ? '' : o.domain;
    const shown = d || 'ai.onnx (default)';
    if (seen.has(d)) fail('bad-input', `opset_import lists the domain ${shown} twice, so its operator versions are ambiguous. Keep one entry per domain (onnx.helper.make_opsetid) or export the model again.`);
    seen.add(d);
    const r = OPSETS[d] ?? { min: 1, max: Number.MAX_SAFE_INTEGER };
    if (!Number.isSafeInteger(o.version) || o.version < r.min || o.version > r.max) {
      const range = OPSETS[d] ? `${r.min} to ${r.max}` : '1 or more';
      fail('unsupported-ops', `opset ${o.version} of domain ${shown} is outside the range the studio supports (${range}). ${REEXPORT}${d === '' ? `, with an opset from ${r.min} to ${r.max}` : ''}.`);
    }
  }
  const usesDefault = m.graph.nodes.some((n) => n.domain === '' || n.domain === 'ai.onnx');
  if (usesDefault && !seen.has('')) {
    fail('unsupported-ops', `the model declares no opset for the default ONNX domain (opset_import has no ai.onnx entry), so the version of every operator is unknown. ${REEXPORT}, or add the entry with onnx: model.opset_import.append(onnx.helper.make_opsetid("", 13)) using the opset the model was built for.`);
  }
}

function checkStructure(g: Graph, fail: Fail): void {
  const bad = (msg: string) => fail('bad-input', msg);
  const producer = new Map<string, string>();
  for (const v of g.inputs) {
    if (!v.name) bad('a graph input has no name. The file is damaged; export the model again.');
    if (producer.has(v.name)) bad(`the graph input "${v.name}" is listed twice. The file is damaged; export the model again.`);
    producer.set(v.name, `graph input "${v.name}"`);
  }
  for (const name of g.initializers.keys()) producer.set(name, `initializer "${name}"`);
  g.nodes.forEach((n, i) => {
    if (!n.opType) bad(`${nodeLabel(n, i)}, with outputs ${n.outputs.map((o) => `"${o}"`).join(', ') || '(none)'}, has an empty op type, so the studio cannot know what it computes. The file is damaged or hand-edited; export the model again.`);
    for (const o of n.outputs) {
      if (!o) continue;
      const prev = producer.get(o);
      if (prev) bad(`${nodeLabel(n, i)} writes the tensor "${o}", which ${prev} already defines; every tensor must have one producer. Rename one of them (the file is damaged or hand-edited) or export the model again.`);
      producer.set(o, nodeLabel(n, i));
    }
  });
  g.nodes.forEach((n, i) => {
    for (const x of n.inputs) {
      if (x && !producer.has(x)) bad(`${nodeLabel(n, i)} reads the tensor "${x}", which no node, initializer or graph input defines. The file is incomplete or hand-edited; export the model again.`);
    }
  });
  for (const o of g.outputs) {
    if (!producer.has(o.name)) bad(`the graph output "${o.name}" is computed by no node. The file is incomplete or hand-edited; export the model again.`);
  }
  checkAcyclic(g, bad);
}

/** Kahn's walk over the top-level nodes: what is left over reads its own outputs. */
function checkAcyclic(g: Graph, bad: (msg: string) => never): void {
  const ready = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  let pending = g.nodes.map((n, i) => ({ n, i }));
  while (pending.length) {
    const next = pending.filter(({ n }) => !n.inputs.every((x) => !x || ready.has(x)));
    for (const { n } of pending) if (!next.some((p) => p.n === n)) n.outputs.forEach((o) => ready.add(o));
    if (next.length === pending.length) {
      const { n, i } = next[0];
      bad(`${nodeLabel(n, i)} is part of a cycle: it reads ${n.inputs.filter((x) => x && !ready.has(x)).map((x) => `"${x}"`).join(', ')}, which depends on its own output. An ONNX graph must be acyclic; export the model again.`);
    }
    pending = next;
  }
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkTensors(g: Graph, fail: Fail): void {
  const consumers = new Map<string, Node[]>();
  for (const n of g.nodes) for (const x of n.inputs) if (x) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  // Initializers and Constant values are weights (their values are checked); other tensor attributes only their size.
  const tensors: { t: Tensor; label: string; weight: boolean }[] = [...g.initializers.values()].map((t) => ({ t, label: `tensor "${t.name}"`, weight: true }));
  g.nodes.forEach((n, i) => {
    for (const [key, a] of Object.entries(n.attrs)) {
      if (a.type !== 'tensor') continue;
      const constant = n.opType === 'Constant' && Boolean(n.outputs[0]);
      const t = constant ? { ...a.value, name: n.outputs[0] } : a.value;
      tensors.push({ t, label: constant ? `Constant tensor "${t.name}"` : `the tensor in attribute "${key}" of ${nodeLabel(n, i)}`, weight: constant });
    }
  });
  for (const { t, label, weight } of tensors) {
    if (!dtypeBytes(t.dataType) && ![DT.STRING, DT.INT4, DT.UINT4, 23, 25, 26].includes(t.dataType as 8)) {
      fail('bad-input', `${label} has the element type ${dtypeName(t.dataType)}, which ONNX does not define for tensors. The file is damaged; export the model again.`);
    }
    const n = elementCount(t.dims);
    if (n > MAX_ELEMENTS) fail('bad-input', `${label} has the shape [${t.dims.join(', ')}] of ${n} elements, more than the studio's limit of ${MAX_ELEMENTS} (2^28) per tensor. The model is too large for the studio; use a smaller model.`);
    const size = dtypeBytes(t.dataType);
    if (size && t.dataType !== DT.STRING && t.raw.byteLength !== n * size) {
      fail('bad-input', `${label} holds ${t.raw.byteLength} bytes, but ${dtypeName(t.dataType)}[${t.dims.join(', ')}] needs ${n * size}. The file is damaged; export the model again.`);
    }
    if (weight && isFloatType(t.dataType)) checkFinite(t, label, consumers.get(t.name) ?? [], fail);
  }
}

/** Ops whose float constant inputs are weights: an infinity there is as wrong as a NaN. */
const WEIGHTED = new Set([...Object.keys(FLOAT_WEIGHT_INPUTS), 'Gemm', 'MatMul', 'Mul', 'Div']);

function checkFinite(t: Tensor, label: string, users: Node[], fail: Fail): void {
  const v = t.dataType === DT.FLOAT ? tensorFloat32(t) : tensorValues(t);
  const infOk = users.length > 0 && users.every((n) => !WEIGHTED.has(n.opType));
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x) || (!infOk && !Number.isFinite(x))) {
      const where = users.length ? ` (read by ${users.slice(0, 3).map((n) => `${n.opType}${n.name ? ` "${n.name}"` : ''}`).join(', ')})` : '';
      fail('bad-input', `${label}${where} holds ${x} at element ${i}; weights must be finite numbers, or every result computed from them is wrong. The training or export diverged: fix the checkpoint and export the model again.`);
    }
  }
}

function checkValueInfo(v: ValueInfo, fail: Fail): void {
  if (!v.shape) return;
  const known = v.shape.filter((d): d is number => typeof d === 'number');
  if (known.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail('bad-input', `"${v.name}" is declared with the shape [${v.shape.map((d) => d ?? '?').join(', ')}]: a dimension must be a whole number ≥ 0 (a symbolic name such as "N" for a dimension that varies). Fix the value's shape (e.g. dynamic_axes in torch.onnx.export) and export the model again.`);
  }
  if (elementCount(known) > MAX_ELEMENTS) {
    fail('bad-input', `"${v.name}" is declared with the shape [${v.shape.map((d) => d ?? '?').join(', ')}], ${elementCount(known)} elements at batch 1: more than the studio's limit of ${MAX_ELEMENTS} (2^28) per tensor. Export the model for a smaller input size.`);
  }
}

/** Unnamed nodes and repeated names get unique names (their first output's name when free), so nothing keyed by node name collides. */
function nameNodes(g: Graph): void {
  const used = new Set<string>();
  const repeated = new Set<string>();
  for (const n of g.nodes) (used.has(n.name) ? repeated : used).add(n.name);
  const taken = new Set(g.nodes.map((n) => n.name).filter(Boolean));
  const seen = new Set<string>();
  g.nodes.forEach((n, i) => {
    if (n.name && !(repeated.has(n.name) && seen.has(n.name))) {
      seen.add(n.name);
      return;
    }
    let base = n.outputs.find(Boolean) ?? `${n.opType}_${i}`;
    if (taken.has(base)) base = `${n.opType}_${i}`;
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    n.name = name;
  });
}
