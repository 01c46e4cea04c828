// The build-time state of a block program (program.ts): the tensors and gradients of the block at
// the training batch, its trained layers (AdaRound V, Adam moments, soft weights) and activation
// quantizers (LSQ [s, z]), the forward and backward dispatch lists being filled, and the helpers
// program-forward.ts and program-backward.ts lower each node with. It keeps no list of what it makes:
// the program takes every buffer made while it is built, kernels' uniforms and scratch included,
// from Gpu.madeSince.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import type { Node } from '../graph/ir';
import { DT, tensorFloat32 } from '../onnx/dtype';
import { OpCtx } from '../engine/ops/op';
import { StudioError } from '../engine/errors';
import type { GpuNode } from '../engine/plan';
import { binary } from '../gpu/kernels/binary';
import type { GemmParams } from '../gpu/kernels/gemm';
import { lsqState } from '../gpu/kernels/lsq-quant';
import { adaroundInit, adaroundParams, adaroundRegPartials } from '../gpu/kernels/adaround';
import { layerName } from '../quant/placement';
import type { ActQuant, WeightQuant } from '../quant/types';
import type { Block } from './blocks';
import { exceedsBinding, type ModelAnalysis } from './analysis';

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

export interface LayerState {
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

export interface ActState {
  act: ActQuant;
  index: number;
  /** [s, z] */
  sz: GPUBuffer;
  grad: GPUBuffer;
  m: GPUBuffer;
  s2: GPUBuffer;
}

/** Ops whose output is a view of their input (no dispatch, the gradient passes through). */
export const ALIASES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

export const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export class BlockLowering {
  readonly layers: LayerState[] = [];
  readonly acts: ActState[] = [];
  /** Activation quantizers by the tensor they quantize (their stream numbers are their index). */
  readonly sites = new Map<string, ActState>();
  readonly forward: Dispatch[] = [];
  /** The soft-weight dispatches among `forward` (evalFixed leaves them out). */
  readonly softDispatches = new Set<Dispatch>();
  readonly backward: Dispatch[] = [];
  readonly tensors = new Map<string, GpuTensor>();
  readonly grads = new Map<string, GpuTensor>();
  /** Tensors downstream of a trainable weight or step size. */
  readonly needsGrad = new Set<string>();
  readonly nodes: GpuNode[];

  constructor(
    readonly gpu: Gpu,
    readonly a: ModelAnalysis,
    readonly block: Block,
    readonly opts: ProgramOptions,
    readonly stepBuf: GPUBuffer,
  ) {
    const inBlock = new Set(block.nodes);
    this.nodes = a.gpuNodes.filter((g) => inBlock.has(layerName(g.node)));
  }

  /** The block's activation quantizers, in order, with their LSQ state and Adam moments. */
  addActs(acts: ActQuant[]): void {
    for (const [index, t] of this.block.acts.entries()) {
      const act = acts.find((x) => x.tensor === t);
      if (!act) continue;
      const sz = lsqState(this.gpu, act.scale, act.zeroPoint);
      const st: ActState = { act, index, sz, grad: this.raw('ds', 16), m: this.raw('ds.m', 16), s2: this.raw('ds.v', 16) };
      this.acts.push(st);
      this.sites.set(t, st);
    }
  }

  raw(label: string, bytes: number): GPUBuffer {
    return this.gpu.buffer(`${this.block.name} ${label}`, bytes);
  }

  alloc(label: string, shape: number[], data?: Float32Array): GpuTensor {
    return this.gpu.tensor(`${this.block.name} ${label}`, shape, data);
  }

  /** The tensor consumers read for `name`: the quantized one where a quantizer sits. */
  outputName(name: string): string {
    return this.sites.has(name) ? `${name}::q` : name;
  }

  valueOf(name: string): GpuTensor {
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

  /** Mark the tensors that need a gradient: those downstream of a trainable weight or step size. */
  markGradients(wByNode: Map<string, WeightQuant>): void {
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

  /** The node's context with the batch dimension of its data inputs set to the training batch. */
  withBatch(ctx: OpCtx): OpCtx {
    const B = this.opts.batch;
    const inputs = ctx.inputs.map((v) => (v && !v.values ? { ...v, shape: [B, ...v.shape.slice(1)] } : v));
    return new OpCtx(ctx.node, ctx.opset, inputs);
  }

  gemmParams(ctx: OpCtx): GemmParams {
    return { transA: ctx.int('transA', 0) === 1, transB: ctx.int('transB', 0) === 1, alpha: ctx.float('alpha', 1), beta: ctx.float('beta', 1) };
  }

  layerState(node: string): LayerState | undefined {
    return this.layers.find((x) => x.wq.node === node);
  }

  /** A trained layer: ⌊W/s⌋ (or APoT's lo and gap), V, its Adam moments, W̃, dW̃, dV and the regulariser's partials. */
  addLayer(wq: WeightQuant): LayerState {
    const init = this.a.graph.initializers.get(wq.weight);
    if (!init) throw new Error(`weight "${wq.weight}" of ${wq.node} not found`);
    const w = tensorFloat32(init);
    const limit = this.gpu.device.limits.maxStorageBufferBindingSize;
    if (exceedsBinding(w.length, limit)) {
      const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
      throw new StudioError('unsupported-ops', `block ${this.block.name}: layer "${wq.node}" has ${mib(4 * w.length)} of weights, more than this GPU binds at once (${mib(limit)}): it cannot be reconstructed here (reconstruct() passes over its block: unbindableLayer)`);
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
    this.layers.push(l);
    return l;
  }

  unsupported(node: Node, what: string): never {
    throw new StudioError(
      'unsupported-ops',
      `block ${this.block.name}: ${node.opType} node "${layerName(node)}": ${what}. Keep the layers of this block in float (per-layer override) or use --method nearest.`,
    );
  }

  /** Add g to the gradient of `name` (a second contribution is summed into a new tensor). */
  setGrad(name: string, g: GpuTensor): void {
    const prev = this.grads.get(name);
    if (!prev) {
      this.grads.set(name, g);
      return;
    }
    const sum = this.alloc(`d ${name}`, prev.shape);
    this.backward.push(binary(this.gpu, 'Add', prev, g, sum));
    this.grads.set(name, sum);
  }
}
