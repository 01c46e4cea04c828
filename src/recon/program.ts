// One block's reconstruction step as a fixed list of GPU dispatches (DESIGN.md §3–§5): sample a
// batch from the caches (QDrop input mixing), soft-rounded weights (AdaRound), the block's forward
// with LSQ activation quantizers that drop (QDrop), the loss, the backward pass, Adam on V and on
// the step sizes, and the loss values written to a small GPU history. The host only writes the
// 32-byte Step uniform per iteration; nothing is read back but the history, every few iterations.
// Lowering: program-lowering.ts (state, helpers), program-forward.ts, program-backward.ts.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import { reconLoss, reconLossPartials } from '../gpu/kernels/recon-loss';
import { reduceSum, reduceSumAtStep } from '../gpu/kernels/reduce-sum';
import { gatherBatch, type BatchCaches } from '../gpu/kernels/gather-batch';
import { LSQ_EPS } from '../gpu/kernels/lsq-quant';
import { hardCodes } from '../gpu/kernels/adaround';
import { adam } from '../gpu/kernels/adam';
import { layerName } from '../quant/placement';
import type { ActQuant, WeightQuant } from '../quant/types';
import type { Block } from './blocks';
import type { ModelAnalysis } from './analysis';
import { BlockLowering, numel, type ActState, type LayerState, type ProgramOptions } from './program-lowering';
import { lowerForward } from './program-forward';
import { lowerBackward } from './program-backward';

export type { ActState, LayerState, ProgramOptions } from './program-lowering';

/** The block's cached samples on the GPU (src/recon/cache.ts): float input, quantized input (null for the model's first block: the input is not quantized) and float output. */
export type BlockCaches = BatchCaches;

/** Adam on every layer's V and (with LSQ) on every quantizer's step size: the update rules. */
function updateRules(gpu: Gpu, b: BlockLowering, stepBuf: GPUBuffer): Dispatch[] {
  const out = b.layers.map((l) => adam(gpu, l.v.buffer, l.dv.buffer, l.m, l.s2, numel(l.v.shape), { slot: 'v' }, stepBuf));
  if (b.opts.lsq) for (const s of b.acts) out.push(adam(gpu, s.sz, s.grad, s.m, s.s2, 1, { slot: 's', positive: { eps: LSQ_EPS }, stride: 2 }, stepBuf));
  return out;
}

export class BlockProgram {
  readonly input: GpuTensor;
  readonly target: GpuTensor;
  readonly output: GpuTensor;
  readonly layers: LayerState[];
  readonly acts: ActState[];
  /** Reconstruction loss and regulariser of the last `historyLength` iterations (slot t % length). */
  readonly recHistory: GPUBuffer;
  readonly regHistory: GPUBuffer;
  /** Forward only (soft weights, current drop settings) and the loss into slot 0 of evalHistory. */
  readonly evalForward: Dispatch[] = [];
  readonly evalLoss: GPUBuffer;

  /** Sample a batch, forward, backward, record the losses in slot iter % historyLength, update. */
  private readonly step: Dispatch[];
  /** The same without the optimizer update (tests compare gradients). */
  private readonly gradient: Dispatch[];
  private readonly sampled: Dispatch[];
  private readonly forward: Dispatch[];
  private readonly softDispatches: Set<Dispatch>;
  private readonly sites: Map<string, ActState>;
  /** Every buffer the program made, kernels' uniforms and scratch included (see destroy). */
  private readonly buffers: GPUBuffer[];

  /** Builds the program; when it cannot (an op without a gradient, too large a layer), frees what it made and throws. */
  constructor(
    readonly gpu: Gpu,
    a: ModelAnalysis,
    readonly block: Block,
    weights: WeightQuant[],
    acts: ActQuant[],
    caches: BlockCaches,
    stepBuf: GPUBuffer,
    readonly opts: ProgramOptions,
  ) {
    const mark = gpu.mark(); // everything made below is the program's (kernels' uniforms and scratch too)
    try {
      const b = new BlockLowering(gpu, a, block, opts, stepBuf);
      const wByNode = new Map(weights.map((w) => [w.node, w]));
      const B = opts.batch;
      const outShape = [B, ...a.shapeOf(block.output).slice(1)];
      this.input = b.alloc('input', [B, ...a.shapeOf(block.input).slice(1)]);
      this.target = b.alloc('target', outShape);
      b.tensors.set(block.input, this.input);
      this.sampled = gatherBatch(gpu, caches, { x: this.input, y: this.target }, B, opts.inputDrop, stepBuf);
      b.addActs(acts);
      b.markGradients(wByNode);

      for (const gn of b.nodes) lowerForward(b, gn, wByNode.get(layerName(gn.node)));
      this.output = b.valueOf(block.output);

      // loss and its gradient
      const dy = b.alloc('d-output', outShape);
      const lossSlots = reconLossPartials(numel(outShape));
      const lossPartials = b.raw('loss.partials', 4 * lossSlots);
      const lossD = reconLoss(gpu, this.output, this.target, dy, lossPartials);
      this.recHistory = b.raw('loss.history', 4 * opts.historyLength);
      this.regHistory = b.raw('reg.history', 4 * opts.historyLength);
      this.evalLoss = b.raw('loss.eval', 16);
      b.setGrad(b.outputName(block.output), dy);

      for (let k = b.nodes.length - 1; k >= 0; k--) lowerBackward(b, b.nodes[k], wByNode.get(layerName(b.nodes[k].node)));

      // the history slot comes from the Step uniform's iteration: one dispatch list serves every iteration
      const at = { slots: opts.historyLength };
      const record = [reduceSumAtStep(gpu, lossPartials, lossSlots, this.recHistory, stepBuf, at, 'set')];
      b.layers.forEach((l, i) => record.push(reduceSumAtStep(gpu, l.regPartials, l.regSlots, this.regHistory, stepBuf, at, i === 0 ? 'set' : 'add')));
      if (!b.layers.length) record.push(reduceSumAtStep(gpu, lossPartials, 0, this.regHistory, stepBuf, at, 'set'));
      this.gradient = [...this.sampled, ...b.forward, lossD, ...b.backward, ...record];
      this.step = [...this.gradient, ...updateRules(gpu, b, stepBuf)];
      this.evalForward.push(...b.forward, lossD, reduceSum(gpu, lossPartials, lossSlots, this.evalLoss, 0, 'set'));

      this.layers = b.layers;
      this.acts = b.acts;
      this.sites = b.sites;
      this.forward = b.forward;
      this.softDispatches = b.softDispatches;
      this.buffers = gpu.madeSince(mark);
    } catch (e) {
      for (const buf of gpu.madeSince(mark)) buf.destroy();
      throw e;
    }
  }

  /**
   * Sample a batch, run the forward with the weights as they are in the W̃ buffers (set with
   * setWeights, not recomputed from V) and put the loss in evalLoss.
   */
  evalFixed(): Dispatch[] {
    const fwd = this.forward.filter((d) => !this.softDispatches.has(d));
    return [...this.sampled, ...fwd, ...this.evalForward.slice(this.forward.length)];
  }

  setWeights(node: string, w: Float32Array): void {
    this.gpu.write(this.softWeights(node).buffer, w);
  }

  /** The dispatches of one training iteration (which one is the Step uniform's business). */
  iteration(): Dispatch[] {
    return this.step;
  }

  /** Sample a batch (the Step's iteration picks it) without training: for evaluating the loss. */
  get sample(): Dispatch[] {
    return this.sampled;
  }

  /** The iteration without the optimizer update (tests compare gradients). */
  gradientOnly(): Dispatch[] {
    return this.gradient;
  }

  /** Hard-rounded integer codes of every layer (⌊W/s⌋ + 1[V ≥ 0], clamped). */
  async hardCodes(): Promise<Map<string, Int32Array>> {
    const out = new Map<string, Int32Array>();
    for (const l of this.layers) out.set(l.wq.node, hardCodes(l.wq, l.wFloorHost, await this.gpu.read(l.v), l.gapHost));
    return out;
  }

  /** Trained step size of every activation quantizer. */
  async scales(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const s of this.acts) out.set(s.act.tensor, (await this.gpu.read(s.sz, 2))[0]);
    return out;
  }

  /** Soft weights W̃ (for flatness perturbations and tests). */
  softWeights(node: string): GpuTensor {
    const l = this.layerState(node);
    if (!l) throw new Error(`no trainable layer "${node}" in block ${this.block.name}`);
    return l.soft;
  }

  layerState(node: string): LayerState | undefined {
    return this.layers.find((x) => x.wq.node === node);
  }

  actState(tensor: string): ActState | undefined {
    return this.sites.get(tensor);
  }

  /** ∂loss/∂V of a layer and ∂loss/∂s of an activation quantizer after a step (tests). */
  gradOf(kind: 'v' | 's', name: string): GPUBuffer {
    if (kind === 'v') return this.layerState(name)!.dv.buffer;
    return this.actState(name)!.grad;
  }

  /** Free every buffer the program made. */
  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}
