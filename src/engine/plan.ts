// Plans a prepared graph for concrete input shapes: shape inference and constant folding in one
// topological walk, Conv+Relu/Clip fusion, buffer allocation with reuse after last use, and
// lowering to a flat list of dispatches that every run re-encodes unchanged.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import type { Graph, Node } from '../graph/ir';
import { DT, tensorFloat32, tensorValues } from '../onnx/dtype';
import { castValues } from './ops/elementwise';
import { OPS, SHAPE_ONLY } from './ops';
import { OpCtx, size, type OutInfo, type Value } from './ops/op';
import { fuseQdq } from './qdq-fuse';

export interface PlanInput {
  name: string;
  tensor: GpuTensor;
}
export interface PlanOutput {
  name: string;
  shape: number[];
  gpu?: GpuTensor;
  values?: Float64Array;
}
export interface Plan {
  dispatches: Dispatch[];
  inputs: PlanInput[];
  outputs: PlanOutput[];
  /** Op types as they run on the GPU (a fused Conv+Relu counts as Conv). */
  gpuOps: string[];
  /** Every buffer the plan made, kernels' uniforms and scratch included; not the shared constants. */
  buffers: GPUBuffer[];
  /** GPU tensors of the values asked to be kept (not reused, not fused away). */
  kept: Map<string, GpuTensor>;
  /** For each value computed on the GPU: how many of `dispatches` must run before it is complete. */
  readyAfter: Map<string, number>;
}

export interface GpuNode {
  node: Node;
  ctx: OpCtx;
  outs: OutInfo[];
}

/** Weights uploaded once per session, shared by every plan. */
export type ConstCache = Map<string, GpuTensor>;

export function topoSort(nodes: Node[], ready: Set<string>): Node[] {
  const done = new Set(ready);
  const out: Node[] = [];
  let pending = nodes;
  while (pending.length) {
    const next: Node[] = [];
    for (const n of pending) {
      if (n.inputs.every((i) => !i || done.has(i))) {
        out.push(n);
        n.outputs.forEach((o) => done.add(o));
      } else next.push(n);
    }
    if (next.length === pending.length) {
      const n = next[0];
      const missing = n.inputs.filter((i) => i && !done.has(i));
      throw new Error(`node "${n.name}" (${n.opType}) reads ${missing.map((m) => `"${m}"`).join(', ')}, which nothing produces`);
    }
    pending = next;
  }
  return out;
}

/** Shape inference and constant folding of a graph for concrete feeds: the nodes left for the GPU, every value's shape. */
export interface Analysis {
  gpuNodes: GpuNode[];
  values: Map<string, Value>;
}

export function analyze(g: Graph, opset: number, feeds: { name: string; shape: number[]; dtype: number; values?: Float64Array }[]): Analysis {
  const values = new Map<string, Value>();
  for (const [name, t] of g.initializers) {
    let cache: Float64Array | undefined;
    values.set(name, { name, shape: t.dims, dtype: t.dataType, values: () => (cache ??= tensorValues(t)) });
  }
  for (const f of feeds) values.set(f.name, { name: f.name, shape: f.shape, dtype: f.dtype, values: f.values && (() => f.values!) });

  const gpuNodes: GpuNode[] = [];
  for (const node of topoSort(g.nodes, new Set(values.keys()))) {
    const def = OPS[node.opType];
    const ctx = new OpCtx(node, opset, node.inputs.map((i) => (i ? values.get(i) : undefined)));
    const outs = def.infer(ctx);
    if (def.fold && (ctx.allConst() || SHAPE_ONLY.has(node.opType))) {
      const folded = def.fold(ctx, outs).map((v, k) => castValues(v, outs[k].dtype));
      outs.forEach((o, k) => node.outputs[k] && values.set(node.outputs[k], { name: node.outputs[k], ...o, values: () => folded[k] }));
    } else {
      if (!def.gpu) ctx.unsupported('this op runs only on constant inputs (shape computations) in this engine; here it depends on the image data');
      gpuNodes.push({ node, ctx, outs });
      outs.forEach((o, k) => node.outputs[k] && values.set(node.outputs[k], { name: node.outputs[k], ...o }));
    }
  }
  return { gpuNodes, values };
}

export function buildPlan(
  gpu: Gpu,
  g: Graph,
  opset: number,
  feeds: { name: string; shape: number[]; dtype: number; values?: Float64Array }[],
  consts: ConstCache,
  keep: string[] = [],
  derivedTag = '',
): Plan {
  const { gpuNodes, values } = analyze(g, opset, feeds);
  fuseQdq(gpuNodes, g, keep);
  fuseActivations(gpuNodes, g, values, keep);
  // lowering is synchronous: what was made meanwhile is the plan's, but for the constants it shares
  const mark = gpu.mark();
  const made = () => {
    const shared = new Set([...consts.values()].map((c) => c.buffer));
    return gpu.madeSince(mark).filter((b) => !shared.has(b));
  };
  try {
    const plan = lower(gpu, g, gpuNodes, values, feeds, consts, keep, derivedTag);
    plan.buffers = made();
    return plan;
  } catch (e) {
    for (const b of made()) b.destroy();
    throw e;
  }
}

/** Conv followed by its only consumer Relu / constant Clip: the activation runs inside the Conv. */
function fuseActivations(nodes: GpuNode[], g: Graph, values: Map<string, Value>, keep: string[]): void {
  const graphOutputs = new Set([...g.outputs.map((o) => o.name), ...keep]);
  const uses = new Map<string, number>();
  for (const { node } of nodes) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (let k = 0; k < nodes.length; k++) {
    const conv = nodes[k];
    if (conv.node.opType !== 'Conv') continue;
    const y = conv.node.outputs[0];
    if (graphOutputs.has(y) || uses.get(y) !== 1) continue;
    const act = nodes.find((n) => n.node.inputs[0] === y);
    if (!act || (act.node.opType !== 'Relu' && act.node.opType !== 'Clip')) continue;
    let lo = 0;
    let hi = Infinity;
    if (act.node.opType === 'Clip') {
      if (act.ctx.opset < 11) [lo, hi] = [act.ctx.float('min', -Infinity), act.ctx.float('max', Infinity)];
      else {
        const v = (i: number) => (act.node.inputs[i] ? values.get(act.node.inputs[i]) : undefined);
        if ((v(1) && !v(1)!.values) || (v(2) && !v(2)!.values)) continue;
        [lo, hi] = [v(1)?.values!()[0] ?? -Infinity, v(2)?.values!()[0] ?? Infinity];
      }
    }
    const kind = act.node.opType === 'Relu' ? 'relu' : 'clip';
    const node: Node = {
      ...conv.node,
      outputs: [act.node.outputs[0]],
      attrs: { ...conv.node.attrs, __activation: { type: 'string', value: kind }, __min: { type: 'float', value: lo }, __max: { type: 'float', value: hi } },
    };
    conv.node = node;
    conv.ctx = new OpCtx(node, conv.ctx.opset, conv.ctx.inputs);
    nodes.splice(nodes.indexOf(act), 1);
  }
}

function lower(
  gpu: Gpu,
  g: Graph,
  nodes: GpuNode[],
  values: Map<string, Value>,
  feeds: { name: string; shape: number[]; dtype: number; values?: Float64Array }[],
  consts: ConstCache,
  keep: string[],
  derivedTag: string,
): Plan {
  const plan: Plan = { dispatches: [], inputs: [], outputs: [], gpuOps: [], buffers: [], kept: new Map(), readyAfter: new Map() };
  const tensors = new Map<string, GpuTensor>();
  const root = new Map<string, string>(); // value → the value that owns its buffer
  const pinned = new Set([...g.outputs.map((o) => o.name), ...keep]);
  const free: GPUBuffer[] = [];
  const refs = new Map<string, number>();

  const alloc = (label: string, shape: number[]): GpuTensor => {
    const bytes = Math.max(16, Math.ceil((size(shape) * 4) / 16) * 16);
    const i = free.findIndex((b) => b.size === bytes);
    const buffer = i >= 0 ? free.splice(i, 1)[0] : gpu.buffer(label, bytes);
    if (i < 0) plan.buffers.push(buffer);
    return { buffer, shape };
  };
  for (const f of feeds) {
    if (f.values) continue;
    const t = gpu.tensor(f.name, f.shape);
    plan.buffers.push(t.buffer);
    tensors.set(f.name, t);
    root.set(f.name, f.name);
    pinned.add(f.name);
    plan.inputs.push({ name: f.name, tensor: t });
    plan.readyAfter.set(f.name, 0);
  }
  // how many reads each buffer owner has left
  for (const { node } of nodes) {
    for (const i of node.inputs) if (i && !values.get(i)?.values) refs.set(i, (refs.get(i) ?? 0) + 1);
  }
  const rootOf = (name: string) => root.get(name) ?? name;

  for (const { node, ctx, outs } of nodes) {
    const temps: GpuTensor[] = [];
    const l = {
      gpu,
      input: (i: number): GpuTensor => {
        const name = node.inputs[i];
        const t = tensors.get(name);
        if (t) return t;
        const v = values.get(name)!;
        const init = g.initializers.get(name);
        const key = init ? name : `${name}@${v.shape.join('x')}${derivedTag}`;
        let c = consts.get(key);
        if (!c) {
          const data = init && init.dataType === DT.FLOAT ? tensorFloat32(init) : Float32Array.from(v.values!());
          c = gpu.tensor(name, v.shape, data);
          consts.set(key, c);
        }
        return c;
      },
      output: (j: number): GpuTensor => tensors.get(node.outputs[j])!,
      emit: (...d: Dispatch[]) => plan.dispatches.push(...d),
      constant: (label: string, shape: number[], data: Float32Array | (() => Float32Array)): GpuTensor => {
        const key = `${label}@${shape.join('x')}${derivedTag}`;
        let c = consts.get(key);
        if (!c) consts.set(key, (c = gpu.tensor(label, shape, typeof data === 'function' ? data() : data)));
        return c;
      },
      temp: (label: string, shape: number[]): GpuTensor => {
        const t = alloc(label, shape);
        temps.push(t);
        return t;
      },
    };
    const def = OPS[node.opType];
    // allocate outputs first (aliases share their input's buffer)
    const aliasing = ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Cast'].includes(node.opType);
    if (!aliasing) {
      node.outputs.forEach((o, k) => o && tensors.set(o, alloc(o, outs[k].shape)));
    }
    const r = def.gpu!(ctx, l, outs);
    if (r === 'alias') {
      const src = l.input(0);
      tensors.set(node.outputs[0], { buffer: src.buffer, shape: outs[0].shape });
      const owner = rootOf(node.inputs[0]);
      root.set(node.outputs[0], owner);
      refs.set(owner, (refs.get(owner) ?? 0) + (refs.get(node.outputs[0]) ?? 0));
      if (pinned.has(node.outputs[0])) pinned.add(owner);
    } else if (aliasing) {
      ctx.fail('expected to alias its input');
    } else {
      plan.gpuOps.push(node.opType);
    }
    for (const o of node.outputs) if (o) plan.readyAfter.set(o, plan.dispatches.length);
    free.push(...temps.map((t) => t.buffer));
    // release buffers whose last reader was this node
    for (const i of node.inputs) {
      if (!i || values.get(i)?.values) continue;
      const owner = rootOf(i);
      const left = (refs.get(owner) ?? 0) - 1;
      refs.set(owner, left);
      if (left === 0 && !pinned.has(owner) && tensors.has(owner)) free.push(tensors.get(owner)!.buffer);
    }
  }
  for (const k of keep) {
    const t = tensors.get(k);
    if (t) plan.kept.set(k, t);
  }
  for (const o of g.outputs) {
    const v = values.get(o.name);
    if (!v) throw new Error(`graph output "${o.name}" is not produced by any node`);
    plan.outputs.push({ name: o.name, shape: v.shape, gpu: tensors.get(o.name), values: v.values?.() });
  }
  return plan;
}
