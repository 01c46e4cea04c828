// What the studio shows about a model: inputs, outputs, op counts, parameters, weighted layers.
import type { Graph, Model } from '../graph/ir';
import { DT, dtypeName } from '../onnx/dtype';
import type { ModelSummary, WeightedLayer } from './types';

const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul', 'ConvTranspose']);

export function summarize(model: Model, prepared: Graph, fileName: string): ModelSummary {
  const g = model.graph;
  const opCounts: Record<string, number> = {};
  for (const n of g.nodes) opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
  const preparedOpCounts: Record<string, number> = {};
  for (const n of prepared.nodes) preparedOpCounts[n.opType] = (preparedOpCounts[n.opType] ?? 0) + 1;
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  let paramCount = 0;
  for (const [name, t] of g.initializers) {
    if (used.has(name) && (t.dataType === DT.FLOAT || t.dataType === DT.FLOAT16 || t.dataType === DT.DOUBLE)) {
      paramCount += t.dims.reduce((a, b) => a * b, 1);
    }
  }
  const weightedLayers: WeightedLayer[] = [];
  for (const n of prepared.nodes) {
    const w = WEIGHTED.has(n.opType) ? prepared.initializers.get(n.inputs[1]) : undefined;
    if (!w) continue;
    const b = n.inputs[2] ? prepared.initializers.get(n.inputs[2]) : undefined;
    const count = (d: number[]) => d.reduce((x, y) => x * y, 1);
    weightedLayers.push({ name: n.name || n.outputs[0], opType: n.opType, weightShape: w.dims, params: count(w.dims) + (b ? count(b.dims) : 0) });
  }
  const io = (v: { name: string; shape?: (number | string | null)[]; dataType?: number }) => ({
    name: v.name,
    shape: (v.shape ?? []).map((d) => d ?? '?'),
    dtype: dtypeName(v.dataType ?? 0),
  });
  return {
    fileName,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsets: Object.fromEntries(model.opsets.map((o) => [o.domain || 'ai.onnx', o.version])),
    inputs: prepared.inputs.map(io),
    outputs: g.outputs.map(io),
    opCounts,
    preparedOpCounts,
    paramCount,
    weightedLayers,
  };
}
