// One block's reconstruction step as a fixed list of GPU dispatches (DESIGN.md §3–§5): sample a
// batch from the caches (QDrop input mixing), soft-rounded weights (AdaRound), the block's forward
// with LSQ activation quantizers that drop (QDrop), the loss, the backward pass, Adam on V and on
// the step sizes, and the loss values written to a small GPU history. The host only writes the
// 32-byte Step uniform per iteration; nothing is read back but the history, every few iterations.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import type { Node } from '../graph/ir';
import { DT, tensorFloat32 } from '../onnx/dtype';
import { OPS } from '../engine/ops';
import { OpCtx, type LowerCtx } from '../engine/ops/op';
import { activationParams } from '../engine/ops/elementwise';
import { convGeometry, poolGeometry, view } from '../engine/ops/nn';
import { StudioError } from '../engine/errors';
import type { GpuNode } from '../engine/plan';
import type { UnaryOp } from '../gpu/kernels/unary';
import { binary } from '../gpu/kernels/binary';
import { conv2dPlan } from '../gpu/kernels/conv2d';
import { gemm, type GemmParams } from '../gpu/kernels/gemm';
import { conv2dGradInput, conv2dGradWeight, gemmGradA, gemmGradB } from '../gpu/kernels/conv2d-grad';
import { unaryGrad } from '../gpu/kernels/unary-grad';
import { globalPoolGrad, poolGrad } from '../gpu/kernels/pool-grad';
import { reconLoss, reconLossPartials } from '../gpu/kernels/recon-loss';
import { reduceSum, reduceSumAtStep } from '../gpu/kernels/reduce-sum';
import { gatherBatch, type BatchCaches } from '../gpu/kernels/gather-batch';
import { LSQ_EPS, lsqBackward, lsqForward, lsqState } from '../gpu/kernels/lsq-quant';
import { adaroundBackward, adaroundInit, adaroundParams, adaroundSoft, hardCodes, adaroundRegPartials } from '../gpu/kernels/adaround';
import { adam } from '../gpu/kernels/adam';
import { layerName } from '../quant/placement';
import type { ActQuant, WeightQuant } from '../quant/types';
import type { Block } from './blocks';
import type { ModelAnalysis } from './analysis';
import { STREAM } from './step';
import { BACKWARD, NO_GRADIENT } from './backward-rules';
import { convTransposeBackward, convTransposeForward, convTransposeLayer } from './conv-transpose-layer';

export interface ProgramOptions {
  batch: number;
  /** Probability that an activation quantizer inside the block quantizes (1 = BRECQ, 0.5 = QDrop). */
  drop: number;
  /** Probability that an input element comes from the quantized model (1 = BRECQ, 0.5 = QDrop). */
  inputDrop: number;
  /** Train the activation step sizes (LSQ). */
  lsq: boolean;
  /** Iterations of loss history kept on the GPU between reads. */
  historyLength: number;
}

/** The block's cached samples on the GPU (src/recon/cache.ts): float input, quantized input (null for the model's first block: the input is not quantized) and float output. */
export type BlockCaches = BatchCaches;

interface LayerState {
  wq: WeightQuant;
  wFloor: GPUBuffer;
  wFloorHost: Float32Array;
  /** APoT weights: hi − lo per element (wFloor then holds lo; adaround.ts's levels variant). */
  gap?: GPUBuffer;
  gapHost?: Float32Array;
  v: GpuTensor;
  m: GPUBuffer;
  s2: GPUBuffer;
  params: GPUBuffer;
  soft: GpuTensor;
  grad: GpuTensor;
  dv: GpuTensor;
  regPartials: GPUBuffer;
  regSlots: number;
}

interface ActState {
  act: ActQuant;
  index: number;
  /** [s, z] */
  sz: GPUBuffer;
  grad: GPUBuffer;
  m: GPUBuffer;
  s2: GPUBuffer;
}

const ALIASES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);
const ACTS: Record<string, UnaryOp> = { Relu: 'Relu', Clip: 'Clip', LeakyRelu: 'LeakyRelu', HardSwish: 'HardSwish', HardSigmoid: 'HardSigmoid', Sigmoid: 'Sigmoid' };

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export class BlockProgram {
  readonly input: GpuTensor;
  readonly target: GpuTensor;
  readonly output: GpuTensor;
  readonly layers: LayerState[] = [];
  readonly acts: ActState[] = [];
  /** Reconstruction loss and regulariser of the last `historyLength` iterations (slot t % length). */
  readonly recHistory: GPUBuffer;
  readonly regHistory: GPUBuffer;
  /** Sample a batch, forward, backward, record the losses in slot iter % historyLength, update. */
  private readonly step: Dispatch[];
  /** The same without the optimizer update (tests compare gradients). */
  private readonly gradient: Dispatch[];
  /** Forward only (soft weights, current drop settings) and the loss into slot 0 of evalHistory. */
  readonly evalForward: Dispatch[] = [];
  readonly evalLoss: GPUBuffer;

  private readonly buffers: GPUBuffer[] = [];
  private readonly tensors = new Map<string, GpuTensor>();
  private readonly grads = new Map<string, GpuTensor>();
  private readonly sampled: Dispatch[];
  private readonly forward: Dispatch[] = [];
  private readonly softDispatches = new Set<Dispatch>();
  private readonly backward: Dispatch[] = [];
  private readonly update: Dispatch[] = [];
  private readonly lossPartials: GPUBuffer;
  private readonly lossSlots: number;
  private readonly nodes: GpuNode[];
  private readonly sites: Map<string, ActState>;
  private readonly needsGrad = new Set<string>();

  constructor(
    readonly gpu: Gpu,
    private readonly a: ModelAnalysis,
    readonly block: Block,
    weights: WeightQuant[],
    acts: ActQuant[],
    caches: BlockCaches,
    private readonly stepBuf: GPUBuffer,
    readonly opts: ProgramOptions,
  ) {
    const mark = gpu.mark(); // everything made below is the program's (kernels' uniforms and scratch too)
    const inBlock = new Set(block.nodes);
    this.nodes = a.gpuNodes.filter((g) => inBlock.has(layerName(g.node)));
    const wByNode = new Map(weights.map((w) => [w.node, w]));
    const B = opts.batch;
    const inShape = [B, ...a.shapeOf(block.input).slice(1)];
    const outShape = [B, ...a.shapeOf(block.output).slice(1)];
    this.input = this.alloc('input', inShape);
    this.target = this.alloc('target', outShape);
    this.tensors.set(block.input, this.input);
    this.sampled = gatherBatch(gpu, caches, { x: this.input, y: this.target }, B, opts.inputDrop, stepBuf);

    // activation quantizers of the block, in order (their stream numbers are their index)
    this.sites = new Map();
    for (const [index, t] of block.acts.entries()) {
      const act = acts.find((x) => x.tensor === t);
      if (!act) continue;
      const sz = lsqState(gpu, act.scale, act.zeroPoint);
      const st: ActState = { act, index, sz, grad: this.raw('ds', 16), m: this.raw('ds.m', 16), s2: this.raw('ds.v', 16) };
      this.buffers.push(sz);
      this.acts.push(st);
      this.sites.set(t, st);
    }
    this.markGradients(wByNode);

    for (const gn of this.nodes) this.lowerForward(gn, wByNode.get(layerName(gn.node)));
    const yhat = this.valueOf(block.output);
    this.output = yhat;

    // loss and its gradient
    const dy = this.alloc('d-output', outShape);
    this.lossSlots = reconLossPartials(numel(outShape));
    this.lossPartials = this.raw('loss.partials', 4 * this.lossSlots);
    const lossD = reconLoss(gpu, yhat, this.target, dy, this.lossPartials);
    this.recHistory = this.raw('loss.history', 4 * opts.historyLength);
    this.regHistory = this.raw('reg.history', 4 * opts.historyLength);
    this.evalLoss = this.raw('loss.eval', 16);
    this.setGrad(this.outputName(block.output), dy);

    for (let k = this.nodes.length - 1; k >= 0; k--) this.lowerBackward(this.nodes[k], wByNode.get(layerName(this.nodes[k].node)));

    for (const l of this.layers) this.update.push(adam(gpu, l.v.buffer, l.dv.buffer, l.m, l.s2, numel(l.v.shape), { slot: 'v' }, stepBuf));
    if (opts.lsq) for (const s of this.acts) this.update.push(adam(gpu, s.sz, s.grad, s.m, s.s2, 1, { slot: 's', positive: { eps: LSQ_EPS }, stride: 2 }, stepBuf));

    // the history slot comes from the Step uniform's iteration: one dispatch list serves every iteration
    const at = { slots: opts.historyLength };
    const record = [reduceSumAtStep(gpu, this.lossPartials, this.lossSlots, this.recHistory, stepBuf, at, 'set')];
    this.layers.forEach((l, i) => record.push(reduceSumAtStep(gpu, l.regPartials, l.regSlots, this.regHistory, stepBuf, at, i === 0 ? 'set' : 'add')));
    if (!this.layers.length) record.push(reduceSumAtStep(gpu, this.lossPartials, 0, this.regHistory, stepBuf, at, 'set'));
    this.gradient = [...this.sampled, ...this.forward, lossD, ...this.backward, ...record];
    this.step = [...this.gradient, ...this.update];
    this.evalForward.push(...this.forward, lossD, reduceSum(gpu, this.lossPartials, this.lossSlots, this.evalLoss, 0, 'set'));
    this.buffers.push(...gpu.madeSince(mark));
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
    const l = this.layers.find((x) => x.wq.node === node);
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

  /** The iteration without the optimizer update (tests compare gradients). */
  gradientOnly(): Dispatch[] {
    return this.gradient;
  }

  /** Free every buffer the program made (a buffer listed twice is destroyed once). */
  destroy(): void {
    for (const b of new Set(this.buffers)) b.destroy();
  }

  // --- construction helpers -------------------------------------------------------------------

  private raw(label: string, bytes: number): GPUBuffer {
    const b = this.gpu.buffer(`${this.block.name} ${label}`, bytes);
    this.buffers.push(b);
    return b;
  }

  private alloc(label: string, shape: number[], data?: Float32Array): GpuTensor {
    const t = this.gpu.tensor(`${this.block.name} ${label}`, shape, data);
    this.buffers.push(t.buffer);
    return t;
  }

  /** The tensor consumers read for `name`: the quantized one where a quantizer sits. */
  private outputName(name: string): string {
    return this.sites.has(name) ? `${name}::q` : name;
  }

  private valueOf(name: string): GpuTensor {
    const t = this.tensors.get(this.outputName(name)) ?? this.tensors.get(name);
    if (t) return t;
    const v = this.a.values.get(name);
    if (!v) throw new Error(`block ${this.block.name}: no value "${name}"`);
    if (!v.values) throw new StudioError('bad-input', `block ${this.block.name} reads "${name}", which is computed outside the block; the partition cannot reconstruct it`);
    const init = this.a.graph.initializers.get(name);
    const data = init && init.dataType === DT.FLOAT ? tensorFloat32(init) : Float32Array.from(v.values());
    const c = this.alloc(name, v.shape, data);
    this.tensors.set(name, c);
    return c;
  }

  /** Which tensors need a gradient: those downstream of a trainable weight or step size. */
  private markGradients(wByNode: Map<string, WeightQuant>): void {
    for (const { node } of this.nodes) {
      const trainable = wByNode.has(layerName(node));
      const fromInput = node.inputs.some((i) => this.needsGrad.has(i) || this.needsGrad.has(`${i}::q`));
      for (const o of node.outputs) {
        if (trainable || fromInput) this.needsGrad.add(o);
        const site = this.sites.get(o);
        if (site && (this.needsGrad.has(o) || this.opts.lsq)) this.needsGrad.add(`${o}::q`);
      }
    }
  }

  private lowerForward(gn: GpuNode, wq: WeightQuant | undefined): void {
    const { node, ctx, outs } = gn;
    const B = this.opts.batch;
    const shapeOut = (k: number) => [B, ...outs[k].shape.slice(1)];
    if (wq) {
      const l = this.addLayer(wq);
      const x = this.valueOf(node.inputs[0]);
      const y = this.alloc(node.outputs[0], shapeOut(0));
      this.tensors.set(node.outputs[0], y);
      const soft = adaroundSoft(this.gpu, l.wFloor, l.v, l.params, l.soft, { ...wq.range, axis: wq.axis, gap: l.gap });
      this.softDispatches.add(soft);
      this.forward.push(soft);
      if (node.opType === 'Conv') {
        const g = convGeometry(this.withBatch(ctx), y.shape);
        const bias = node.inputs[2] ? this.valueOf(node.inputs[2]) : null;
        const plan = conv2dPlan(this.gpu, view(x, g.xShape), view(l.soft, g.wShape), bias, view(y, g.yShape), g.params);
        if (plan.pack) this.forward.push(plan.pack);
        this.forward.push(plan.conv);
        if (plan.packed) this.buffers.push(plan.packed.buffer);
      } else if (node.opType === 'ConvTranspose') {
        const bias = node.inputs[2] ? this.valueOf(node.inputs[2]) : null;
        const p = convTransposeLayer(this.withBatch(ctx));
        this.forward.push(...convTransposeForward(this.gpu, p, x, l.soft, bias, y, bias && this.alloc(`${node.outputs[0]} (before bias)`, y.shape)));
      } else if (node.opType === 'Gemm') {
        const c = node.inputs[2] ? this.valueOf(node.inputs[2]) : null;
        this.forward.push(gemm(this.gpu, x, l.soft, c, y, this.gemmParams(ctx)));
      } else {
        if (x.shape.length !== 2) this.unsupported(node, 'MatMul reconstruction needs a 2-D input');
        this.forward.push(gemm(this.gpu, x, l.soft, null, y, { transA: false, transB: false, alpha: 1, beta: 0 }));
      }
    } else {
      const def = OPS[node.opType];
      const bctx = this.withBatch(ctx);
      const aliasing = ALIASES.has(node.opType);
      if (!aliasing) node.outputs.forEach((o, k) => o && this.tensors.set(o, this.alloc(o, shapeOut(k))));
      const lc: LowerCtx = {
        gpu: this.gpu,
        input: (i) => this.valueOf(node.inputs[i]),
        output: (j) => this.tensors.get(node.outputs[j])!,
        emit: (...d) => this.forward.push(...d),
        constant: (label, shape, data) => this.alloc(label, shape, data),
        temp: (label, shape) => this.alloc(label, shape),
      };
      const r = def.gpu!(bctx, lc, outs.map((o, k) => ({ ...o, shape: shapeOut(k) })));
      if (r === 'alias') this.tensors.set(node.outputs[0], view(this.valueOf(node.inputs[0]), shapeOut(0)));
    }
    for (const o of node.outputs) {
      const site = this.sites.get(o);
      if (!site) continue;
      const raw = this.tensors.get(o)!;
      const q = this.alloc(`${o}::q`, raw.shape);
      this.tensors.set(`${o}::q`, q);
      this.forward.push(lsqForward(this.gpu, raw, q, site.sz, { qmin: site.act.range.qmin, qmax: site.act.range.qmax, p: this.opts.drop, stream: STREAM.dropBase + site.index }, this.stepBuf));
    }
  }

  /** The node's context with the batch dimension of its data inputs set to the training batch. */
  private withBatch(ctx: OpCtx): OpCtx {
    const B = this.opts.batch;
    const inputs = ctx.inputs.map((v) => (v && !v.values ? { ...v, shape: [B, ...v.shape.slice(1)] } : v));
    return new OpCtx(ctx.node, ctx.opset, inputs);
  }

  private gemmParams(ctx: OpCtx): GemmParams {
    return { transA: ctx.int('transA', 0) === 1, transB: ctx.int('transB', 0) === 1, alpha: ctx.float('alpha', 1), beta: ctx.float('beta', 1) };
  }

  private addLayer(wq: WeightQuant): LayerState {
    const init = this.a.graph.initializers.get(wq.weight);
    if (!init) throw new Error(`weight "${wq.weight}" of ${wq.node} not found`);
    const w = tensorFloat32(init);
    const limit = this.gpu.device.limits.maxStorageBufferBindingSize;
    if (4 * w.length > limit) {
      const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
      throw new StudioError('unsupported-ops', `block ${this.block.name}: layer "${wq.node}" has ${mib(4 * w.length)} of weights, more than this GPU binds at once (${mib(limit)}): it cannot be reconstructed here; keep it at round to nearest (per-layer override or --method nearest)`);
    }
    const { wFloor, v, gap } = adaroundInit(w, wq);
    const n = w.length;
    const regSlots = adaroundRegPartials(n);
    const l: LayerState = {
      wq,
      wFloor: this.alloc(`${wq.node} wfloor`, wq.dims, wFloor).buffer,
      wFloorHost: wFloor,
      gap: gap && this.alloc(`${wq.node} gap`, wq.dims, gap).buffer,
      gapHost: gap,
      v: this.alloc(`${wq.node} V`, wq.dims, v),
      m: this.raw(`${wq.node} adam.m`, 4 * n),
      s2: this.raw(`${wq.node} adam.v`, 4 * n),
      params: adaroundParams(this.gpu, wq),
      soft: this.alloc(`${wq.node} W~`, wq.dims),
      grad: this.alloc(`${wq.node} dW~`, wq.dims),
      dv: this.alloc(`${wq.node} dV`, wq.dims),
      regPartials: this.raw(`${wq.node} reg.partials`, 4 * regSlots),
      regSlots,
    };
    this.buffers.push(l.params);
    this.layers.push(l);
    return l;
  }

  private unsupported(node: Node, what: string): never {
    throw new StudioError(
      'unsupported-ops',
      `block ${this.block.name}: ${node.opType} node "${layerName(node)}": ${what}. Keep the layers of this block in float (per-layer override) or use --method nearest.`,
    );
  }

  private setGrad(name: string, g: GpuTensor): void {
    const prev = this.grads.get(name);
    if (!prev) {
      this.grads.set(name, g);
      return;
    }
    const sum = this.alloc(`d ${name}`, prev.shape);
    this.backward.push(binary(this.gpu, 'Add', prev, g, sum));
    this.grads.set(name, sum);
  }

  private lowerBackward(gn: GpuNode, wq: WeightQuant | undefined): void {
    const { node, ctx } = gn;
    const gpu = this.gpu;
    // quantizers on the outputs first
    for (const o of node.outputs) {
      const site = this.sites.get(o);
      if (!site) continue;
      const gq = this.grads.get(`${o}::q`);
      if (!gq) continue;
      const raw = this.tensors.get(o)!;
      const dx = this.needsGrad.has(o) ? this.alloc(`d ${o}`, raw.shape) : null;
      const opts = { qmin: site.act.range.qmin, qmax: site.act.range.qmax, p: this.opts.drop, stream: STREAM.dropBase + site.index };
      this.backward.push(...lsqBackward(gpu, raw, gq, dx, site.sz, site.grad, opts, this.stepBuf));
      if (dx) this.setGrad(o, dx);
    }
    const needIn = (i: number) => !!node.inputs[i] && this.needsGrad.has(this.outputName(node.inputs[i])) && node.inputs[i] !== this.block.input;
    const dy = this.grads.get(node.outputs[0]);
    if (!dy) {
      // (a Split whose first output nobody downstream needs)
      if (BACKWARD[node.opType] && node.outputs.some((o) => this.grads.has(o))) this.lowerRule(gn, needIn);
      return;
    }
    const inName = node.inputs[0];
    const x = () => this.valueOf(inName);
    const dxFor = (i: number) => this.alloc(`d ${node.inputs[i]}`, this.valueOf(node.inputs[i]).shape);
    const give = (i: number, g: GpuTensor) => this.setGrad(this.outputName(node.inputs[i]), g);
    const op = node.opType;

    if (op === 'Conv') {
      const l = wq ? this.layerState(wq.node)! : null;
      const g = convGeometry(this.withBatch(ctx), dy.shape);
      const w = l ? l.soft : this.valueOf(node.inputs[1]);
      if (l) {
        this.backward.push(...conv2dGradWeight(gpu, view(x(), g.xShape), view(dy, g.yShape), view(l.grad, g.wShape), g.params));
        this.backward.push(...adaroundBackward(gpu, l.grad, l.wFloor, l.v, l.params, l.dv, l.regPartials, { ...l.wq.range, axis: l.wq.axis, gap: l.gap }, this.stepBuf));
      }
      if (needIn(0)) {
        const dx = dxFor(0);
        this.backward.push(...conv2dGradInput(gpu, view(dy, g.yShape), view(w, g.wShape), view(dx, g.xShape), g.params));
        give(0, dx);
      }
    } else if (op === 'ConvTranspose') {
      const l = wq ? this.layerState(wq.node)! : null;
      const p = convTransposeLayer(this.withBatch(ctx));
      const dx = needIn(0) ? dxFor(0) : null;
      this.backward.push(...convTransposeBackward(gpu, p, x(), l ? l.soft : this.valueOf(node.inputs[1]), dy, l?.grad ?? null, dx, this.buffers));
      if (l) this.backward.push(...adaroundBackward(gpu, l.grad, l.wFloor, l.v, l.params, l.dv, l.regPartials, { ...l.wq.range, axis: l.wq.axis, gap: l.gap }, this.stepBuf));
      if (dx) give(0, dx);
    } else if (op === 'Gemm' || op === 'MatMul') {
      const l = wq ? this.layerState(wq.node)! : null;
      const p = op === 'Gemm' ? this.gemmParams(ctx) : { transA: false, transB: false, alpha: 1, beta: 0 };
      const w = l ? l.soft : this.valueOf(node.inputs[1]);
      if (l) {
        this.backward.push(gemmGradB(gpu, x(), dy, l.grad, p));
        this.backward.push(...adaroundBackward(gpu, l.grad, l.wFloor, l.v, l.params, l.dv, l.regPartials, { ...l.wq.range, axis: l.wq.axis, gap: l.gap }, this.stepBuf));
      }
      if (needIn(0)) {
        const dx = dxFor(0);
        this.backward.push(gemmGradA(gpu, dy, w, dx, p));
        give(0, dx);
      }
    } else if (ACTS[op]) {
      if (!needIn(0)) return;
      const dx = dxFor(0);
      const [a, b] = activationParams(ACTS[op], ctx);
      this.backward.push(unaryGrad(gpu, ACTS[op], x(), dy, dx, a, b));
      give(0, dx);
    } else if (ALIASES.has(op)) {
      if (needIn(0)) give(0, view(dy, this.valueOf(inName).shape));
    } else if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
      if (!needIn(0)) return;
      const dx = dxFor(0);
      this.backward.push(globalPoolGrad(gpu, op === 'GlobalMaxPool' ? 'max' : 'avg', x(), dy, dx));
      give(0, dx);
    } else if (op === 'MaxPool' || op === 'AveragePool') {
      if (!needIn(0)) return;
      const dx = dxFor(0);
      const g = poolGeometry(this.withBatch(ctx));
      this.backward.push(poolGrad(gpu, op === 'MaxPool' ? 'max' : 'avg', x(), dy, dx, { ...g.win, countIncludePad: g.countIncludePad }));
      give(0, dx);
    } else if (BACKWARD[op]) {
      this.lowerRule(gn, needIn);
    } else if (node.inputs.some((_, i) => needIn(i))) {
      this.unsupported(node, NO_GRADIENT[op] ?? 'its gradient is not implemented (needed because a trained layer comes before it in the block)');
    }
  }

  /** The backward of an op from backward-rules.ts. */
  private lowerRule(gn: GpuNode, needIn: (i: number) => boolean): void {
    const { node, outs } = gn;
    const B = this.opts.batch;
    BACKWARD[node.opType]({
      gpu: this.gpu,
      node,
      ctx: this.withBatch(gn.ctx),
      dy: (k) => (node.outputs[k] ? this.grads.get(node.outputs[k]) : undefined),
      input: (i) => this.valueOf(node.inputs[i]),
      output: (k) => this.tensors.get(node.outputs[k]) ?? this.valueOf(node.outputs[k]),
      outShape: (k) => [B, ...outs[k].shape.slice(1)],
      needs: needIn,
      give: (i, g) => this.setGrad(this.outputName(node.inputs[i]), g),
      alloc: (label, shape, data) => this.alloc(label, shape, data),
      emit: (...d) => this.backward.push(...d),
      unsupported: (what) => this.unsupported(node, what),
    });
  }
}

