// The float graph of a session analysed at one batch size: GPU nodes in order, every value's
// shape, which tensors are data (computed from the images) and which are folded constants.
import type { Graph } from '../graph/ir';
import { DT } from '../onnx/dtype';
import { analyze, type Analysis } from '../engine/plan';
import type { Session } from '../engine/session';
import { layerName, place, type Placement } from '../quant/placement';
import type { QuantConfig } from '../quant/types';
import { partitionBlocks, type Block } from './blocks';

export interface ModelAnalysis extends Analysis {
  graph: Graph;
  opset: number;
  batch: number;
  isData(t: string): boolean;
  shapeOf(t: string): number[];
}

export function analyzeSession(session: Session, batch: number): ModelAnalysis {
  const feeds = session.graph.inputs.map((v) => ({ name: v.name, shape: session.inputShapeOf(v.name, batch), dtype: v.dataType ?? DT.FLOAT }));
  const a = analyze(session.graph, session.opset, feeds);
  return {
    ...a,
    graph: session.graph,
    opset: session.opset,
    batch,
    isData: (t) => !!a.values.get(t) && !a.values.get(t)!.values,
    shapeOf: (t) => {
      const v = a.values.get(t);
      if (!v) throw new Error(`no value named "${t}" in the graph`);
      return v.shape;
    },
  };
}

/** Whether a layer's float32 weights exceed what the GPU binds in one storage buffer (AdaRound's per-weight state cannot be held). */
export const exceedsBinding = (elements: number, limit: number): boolean => 4 * elements > limit;

/** The reconstruction blocks of a session's model under a quantization config. */
export function sessionBlocks(session: Session, config: QuantConfig, layerwise = false): { blocks: Block[]; placement: Placement; analysis: ModelAnalysis } {
  const analysis = analyzeSession(session, 1);
  const placement = place(session.graph, config);
  // a layer whose float32 weights exceed one storage binding gets a block of its own, which the
  // run passes over (unbindableLayer): the layers around it still train
  const limit = session.gpu.device.limits.maxStorageBufferBindingSize;
  const big = new Set(
    placement.layers.filter((l) => !l.float && exceedsBinding(analysis.shapeOf(l.node.inputs[1]).reduce((a, b) => a * b, 1), limit)).map((l) => layerName(l.node)),
  );
  const blocks = partitionBlocks(analysis.gpuNodes.map((g) => g.node), placement, analysis.isData, { layerwise, alone: (l) => big.has(l) });
  return { blocks, placement, analysis };
}
