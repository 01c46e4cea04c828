// One block's W2A4 QDrop training step built for timing, as the reconstruction builds it
// (src/recon/program.ts) but with random cache contents and per-channel min/max weight ranges:
// shared by bench/recon-profile.ts and bench/train-step.ts. Also the block as a small graph spec
// for bench/torch-step.py, and the convolution FLOPs of one iteration counted from the shapes.
import path from 'node:path';
import type { Block } from '../../src/recon/blocks';
import type { ModelAnalysis } from '../../src/recon/analysis';
import type { BlockProgram } from '../../src/recon/program';
import type { Gpu } from '../../src/gpu/gpu';
import type { PtqModel } from '../../src/cli/ptq';
import type { Engine } from './engine';

export interface StepOptions {
  batch: number;
  wBits: number;
  aBits: number;
  drop: number;
  inputDrop: number;
  /** Samples in each random cache (the batch is drawn from them). */
  cacheCount: number;
}

export const QDROP_W2A4: Omit<StepOptions, 'batch'> = { wBits: 2, aBits: 4, drop: 0.5, inputDrop: 0.5, cacheCount: 64 };

/** A convolution of the block, shapes at the training batch; flops = 2·N·M·oH·oW·Cg·kH·kW of one pass. */
export interface ConvShape {
  node: string;
  x: number[];
  w: number[];
  y: number[];
  group: number;
  /** The program computes its input gradient (its input is not the block's input). */
  inputGrad: boolean;
  flops: number;
}

/** The block for the PyTorch peer: nodes in order (Conv, Relu, Clip, Add) and the quantizer sites. */
export interface BlockSpec {
  name: string;
  batch: number;
  cacheCount: number;
  drop: number;
  inputDrop: number;
  input: { name: string; shape: number[] };
  output: { name: string; shape: number[] };
  nodes: Record<string, unknown>[];
  acts: { tensor: string; qmin: number; qmax: number; scale: number; zeroPoint: number }[];
  /** Weight grid (per output channel, asymmetric): every layer of the block. */
  weights: { qmin: number; qmax: number };
  /** Why the spec cannot describe the block (the peer skips it), if so. */
  unsupported?: string;
}

export interface BuiltStep {
  gpu: Gpu;
  block: Block;
  program: BlockProgram;
  convs: ConvShape[];
  /** Convolution FLOPs of one iteration: forward, input gradient where computed, weight gradient. */
  convFlops: number;
  spec: BlockSpec;
  /** Writes the Step uniform of iteration `iter` (β 10, λ 0.01: the regulariser is live). */
  setIter(iter: number): void;
  destroy(): void;
}

export type BlockPick = (blocks: Block[]) => Block | undefined;

/** The block whose name ends with `scope` (e.g. "/layer1/layer1.0"). */
export const byScope = (scope: string): BlockPick => (blocks) => blocks.find((b) => b.name.endsWith(scope));
/** The first residual block (its shortcut is an identity or a convolution). */
export const firstResidual: BlockPick = (blocks) => blocks.find((b) => b.kind === 'residual');

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Opens the model, finds the block and builds its step; throws with the reason when it cannot. */
export async function buildStep(E: Engine, gpu: Gpu, modelPath: string, pick: BlockPick, o: StepOptions, opened?: PtqModel): Promise<BuiltStep & { model: PtqModel }> {
  const m = opened ?? (await E.ptq.openModel(gpu, modelPath));
  const s = m.session;
  const config = { ...E.types.DEFAULT_CONFIG, wBits: o.wBits, aBits: o.aBits };
  const blocks = E.analysis.sessionBlocks(s, config).blocks;
  const block = pick(blocks);
  if (!block) throw new Error(`no such block in ${path.basename(modelPath)} (blocks: ${blocks.map((b) => b.name).join(', ')})`);
  const a = E.analysis.analyzeSession(s, o.batch);
  const node = (name: string) => a.gpuNodes.find((g) => g.node.name === name)!;
  const wRange = E.types.qrange(o.wBits, false);
  const weights = block.layers.map((name) => {
    const n = node(name).node;
    const t = s.graph.initializers.get(n.inputs[1])!;
    const w = E.tensorFloat32(t);
    const rows = t.dims[0];
    const per = w.length / rows;
    const scales = new Float32Array(rows);
    const zeroPoints = new Int32Array(rows);
    for (let c = 0; c < rows; c++) {
      let lo = 0;
      let hi = 0;
      for (let i = c * per; i < (c + 1) * per; i++) {
        lo = Math.min(lo, w[i]);
        hi = Math.max(hi, w[i]);
      }
      scales[c] = Math.max((hi - lo) / (wRange.qmax - wRange.qmin), 1e-8);
      zeroPoints[c] = Math.min(wRange.qmax, Math.max(wRange.qmin, Math.round(wRange.qmin - lo / scales[c])));
    }
    return { node: name, weight: n.inputs[1], dims: t.dims, range: wRange, axis: 0, scales, zeroPoints, codes: E.quantizeCodes(w, t.dims, 0, wRange, scales, zeroPoints) };
  });
  const producer = (t: string) => a.gpuNodes.find((g) => g.node.outputs.includes(t))?.node.opType;
  const aRange = E.types.qrange(o.aBits, false);
  // after ReLU/Clip the range starts at 0; elsewhere (a residual Add without activation) it straddles 0
  const acts = block.acts.map((tensor) => ({ tensor, range: aRange, scale: 0.1, zeroPoint: ['Relu', 'Clip'].includes(producer(tensor) ?? '') ? 0 : (aRange.qmax + 1) / 2 }));
  const size = (t: string) => numel(a.shapeOf(t).slice(1));
  const cache = (n: number) => E.cache.sampleCacheOf(gpu, 'cache', new Float32Array(o.cacheCount * n).map(() => Math.random()), o.cacheCount);
  const caches = { x: cache(size(block.input)), xQ: cache(size(block.input)), y: cache(size(block.output)) };
  const stepBuf = E.step.stepBuffer(gpu);
  let program: BlockProgram;
  try {
    program = new E.BlockProgram(gpu, a, block, weights, acts, caches, stepBuf, { batch: o.batch, drop: o.drop, inputDrop: o.inputDrop, lsq: true, historyLength: 50 });
  } catch (e) {
    for (const c of Object.values(caches)) E.cache.destroySampleCache(c);
    stepBuf.destroy();
    throw e;
  }
  const convs = convShapes(a, block, o.batch);
  const convFlops = convs.reduce((f, c) => f + c.flops * (c.inputGrad ? 3 : 2), 0);
  const spec = blockSpec(E, a, block, o, acts, wRange);
  return {
    gpu,
    model: m,
    block,
    program,
    convs,
    convFlops,
    spec,
    setIter: (iter) => E.step.writeStep(gpu, stepBuf, { iter, seed: 1005, beta: 10, lambda: 0.01, lrV: 1e-3, lrS: 4e-5, bc1: 1 - 0.9 ** iter, bc2: 1 - 0.999 ** iter }),
    destroy: () => {
      program.destroy();
      for (const c of Object.values(caches)) E.cache.destroySampleCache(c);
      stepBuf.destroy();
      if (!opened) m.session.dispose();
    },
  };
}

/** The block's convolutions at batch `batch`. */
export function convShapes(a: ModelAnalysis, block: Block, batch: number): ConvShape[] {
  const inBlock = new Set(block.nodes);
  return a.gpuNodes
    .filter((g) => g.node.opType === 'Conv' && inBlock.has(g.node.name))
    .map((g) => {
      const x = [batch, ...a.shapeOf(g.node.inputs[0]).slice(1)];
      const w = a.shapeOf(g.node.inputs[1]);
      const y = [batch, ...g.outs[0].shape.slice(1)];
      const group = g.ctx.int('group', 1);
      // 2·N·M·oH·oW · Cg·kH·kW (Cg = w[1])
      const flops = 2 * numel(y) * numel(w.slice(1));
      return { node: g.node.name, x, w, y, group, inputGrad: g.node.inputs[0] !== block.input, flops };
    });
}

function blockSpec(E: Engine, a: ModelAnalysis, block: Block, o: StepOptions, acts: { tensor: string; range: { qmin: number; qmax: number }; scale: number; zeroPoint: number }[], wRange: { qmin: number; qmax: number }): BlockSpec {
  const inBlock = new Set(block.nodes);
  const nodes: Record<string, unknown>[] = [];
  let unsupported: string | undefined;
  for (const g of a.gpuNodes.filter((n) => inBlock.has(n.node.name))) {
    const { node, ctx } = g;
    const data = node.inputs.filter((i) => i && a.isData(i));
    if (node.opType === 'Conv') {
      const pads = ctx.ints('pads') ?? [0, 0, 0, 0];
      if (pads[0] !== pads[2] || pads[1] !== pads[3]) unsupported ??= `${node.name}: asymmetric padding`;
      nodes.push({ op: 'Conv', name: node.name, input: node.inputs[0], output: node.outputs[0], weight: a.shapeOf(node.inputs[1]), bias: !!node.inputs[2], stride: ctx.ints('strides') ?? [1, 1], padding: [pads[0], pads[1]], dilation: ctx.ints('dilations') ?? [1, 1], group: ctx.int('group', 1) });
    } else if (node.opType === 'Relu' || node.opType === 'Clip') {
      const [lo, hi] = node.opType === 'Clip' ? E.activationParams('Clip', ctx) : [0, Infinity];
      nodes.push({ op: 'Clip', name: node.name, input: data[0], output: node.outputs[0], min: Number.isFinite(lo) ? lo : null, max: Number.isFinite(hi) ? hi : null });
    } else if (node.opType === 'Add' && data.length === 2) {
      nodes.push({ op: 'Add', name: node.name, inputs: data, output: node.outputs[0] });
    } else {
      unsupported ??= `${node.opType} node ${node.name} is not in the peer's op set (Conv, Relu, Clip, Add of two tensors)`;
    }
  }
  return {
    name: block.name,
    batch: o.batch,
    cacheCount: o.cacheCount,
    drop: o.drop,
    inputDrop: o.inputDrop,
    input: { name: block.input, shape: a.shapeOf(block.input).slice(1) },
    output: { name: block.output, shape: a.shapeOf(block.output).slice(1) },
    nodes,
    acts: acts.map((q) => ({ tensor: q.tensor, qmin: q.range.qmin, qmax: q.range.qmax, scale: q.scale, zeroPoint: q.zeroPoint })),
    weights: { qmin: wRange.qmin, qmax: wRange.qmax },
    ...(unsupported ? { unsupported } : {}),
  };
}
