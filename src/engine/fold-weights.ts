// Constant parameters made plain initializers: a weight, bias or BatchNormalization parameter that
// the file computes from initializers (MNIST-8's Reshape of its MatMul weight, Transpose of a Gemm
// weight, the ONNX "light" models' ConstantOfShape weights) is evaluated once at load, so placement
// sees every weighted layer's weight as an initializer, BN folds, and the QDQ export quantizes it.
import type { Graph, Node, Tensor } from '../graph/ir';
import { normalizeGraph } from '../graph/normalize';
import { makeTensor, tensorValues } from '../onnx/dtype';
import { castValues } from './ops/elementwise';
import { OPS } from './ops';
import { OpCtx, type Value } from './ops/op';

/** Inputs that are parameters: weight and bias of weighted layers, BN's scale/shift/mean/var. */
const PARAM_SLOTS: Record<string, number[]> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [1, 2],
  MatMul: [1],
  BatchNormalization: [1, 2, 3, 4],
};

/** Weights that come dequantized stay as the file has them: they are already quantized (placement says so). */
const QUANTIZED = new Set(['DequantizeLinear', 'QuantizeLinear', 'DynamicQuantizeLinear']);

/** normalizeGraph, then constant parameters folded into initializers (and normalized again so BN folds into them). */
export function prepareGraph(g: Graph, opset: number): Graph {
  const n = normalizeGraph(g);
  const folded = foldParameters(n, opset);
  return folded === n ? n : normalizeGraph(folded);
}

/**
 * A graph whose parameter inputs (PARAM_SLOTS) computed from initializers alone are initializers,
 * the nodes that computed only them removed; the same graph object when there is nothing to fold.
 */
export function foldParameters(g: Graph, opset: number): Graph {
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const outputs = new Set(g.outputs.map((o) => o.name));
  const isConst = new Map<string, boolean>();
  const constant = (t: string): boolean => {
    if (g.initializers.has(t)) return true;
    const known = isConst.get(t);
    if (known !== undefined) return known;
    isConst.set(t, false); // cycles (invalid graphs) read as not constant
    const p = producer.get(t);
    const ok = !!p && !!OPS[p.opType]?.fold && p.domain === '' && !QUANTIZED.has(p.opType) && p.inputs.every((i) => !i || constant(i));
    isConst.set(t, ok);
    return ok;
  };

  const targets = new Set<string>();
  for (const n of g.nodes) {
    for (const k of PARAM_SLOTS[n.opType] ?? []) {
      const t = n.inputs[k];
      if (!t || g.initializers.has(t) || outputs.has(t) || !constant(t)) continue;
      // a producer with other outputs still in use would be left writing a name an initializer holds
      if (producer.get(t)!.outputs.filter(Boolean).length !== 1) continue;
      targets.add(t);
    }
  }
  if (!targets.size) return g;

  const values = new Map<string, Value>();
  const valueOf = (t: string): Value => {
    const init = g.initializers.get(t);
    if (init) return { name: t, shape: init.dims, dtype: init.dataType, values: () => tensorValues(init) };
    const v = values.get(t);
    if (v) return v;
    const node = producer.get(t)!;
    const ctx = new OpCtx(node, opset, node.inputs.map((i) => (i ? valueOf(i) : undefined)));
    const def = OPS[node.opType];
    const outs = def.infer(ctx);
    const folded = def.fold!(ctx, outs).map((x, k) => castValues(x, outs[k].dtype));
    node.outputs.forEach((o, k) => o && values.set(o, { name: o, ...outs[k], values: () => folded[k] }));
    return values.get(t)!;
  };

  const initializers = new Map(g.initializers);
  for (const t of targets) {
    let tensor: Tensor;
    try {
      const v = valueOf(t);
      tensor = makeTensor(t, v.dtype, v.shape, v.values!());
    } catch {
      continue; // left to the plan, which folds it (or says why it cannot) as before
    }
    initializers.set(t, tensor);
  }
  // drop nodes nothing reads any more (the folded subgraphs), last consumers first
  let nodes = g.nodes.filter((n) => !n.outputs.some((o) => o && initializers.has(o) && !g.initializers.has(o)));
  for (;;) {
    const read = new Set([...nodes.flatMap((n) => n.inputs), ...outputs]);
    const next = nodes.filter((n) => n.outputs.some((o) => o && read.has(o)) || !n.outputs.every((o) => !o || constant(o)));
    if (next.length === nodes.length) break;
    nodes = next;
  }
  return { ...g, nodes, initializers };
}
