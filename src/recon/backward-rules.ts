// Backward rules of the ops that sit in a block after a trained layer, besides the layers,
// activations, pooling and views program.ts lowers itself: elementwise Add/Sub/Mul/Div with
// broadcasting (squeeze-excitation's x·gate, both operands), Concat/Split/Slice/Pad/Transpose
// (branches, channel shuffle), ReduceMean/ReduceSum (global pooling), standalone
// BatchNormalization (a channel affine). Each is a composition of forward kernels.
import type { Dispatch, Gpu, GpuTensor } from '../gpu/gpu';
import type { Node } from '../graph/ir';
import type { OpCtx } from '../engine/ops/op';
import { normAxis } from '../engine/ops/op';
import { view } from '../engine/ops/nn';
import { padPlan, slicePlan } from '../engine/ops/tensor';
import { splitPlan } from '../engine/ops/gather';
import { reducePlan } from '../engine/ops/reduce';
import { binary, expand, type BinaryOp } from '../gpu/kernels/binary';
import { concat } from '../gpu/kernels/concat';
import { slice } from '../gpu/kernels/slice';
import { pad } from '../gpu/kernels/pad';
import { transpose } from '../gpu/kernels/transpose';
import { reduce } from '../gpu/kernels/reduce';
import { globalPoolGrad } from '../gpu/kernels/pool-grad';

/** What a rule sees of its node in the block program (shapes at the training batch). */
export interface BackwardCtx {
  gpu: Gpu;
  node: Node;
  /** The node's context with the batch of its data inputs set to the training batch. */
  ctx: OpCtx;
  /** ∂loss/∂(output k), or undefined when nothing downstream needs it. */
  dy(k: number): GpuTensor | undefined;
  /** The forward value of input i (the quantized one where a quantizer sits) or output k. */
  input(i: number): GpuTensor;
  output(k: number): GpuTensor;
  outShape(k: number): number[];
  /** Whether input i needs a gradient. */
  needs(i: number): boolean;
  give(i: number, g: GpuTensor): void;
  alloc(label: string, shape: number[], data?: Float32Array): GpuTensor;
  emit(...d: Dispatch[]): void;
  unsupported(what: string): never;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const ones = (n: number) => new Array<number>(n).fill(1);

/** g (of the broadcast shape) summed down to `shape`, as the backward of broadcasting. */
function sumTo(c: BackwardCtx, g: GpuTensor, shape: number[], label: string): GpuTensor {
  if (numel(g.shape) === numel(shape)) return view(g, shape);
  const r = g.shape.length;
  const padded = [...ones(r - shape.length), ...shape];
  const axes = g.shape.map((_, k) => k).filter((k) => padded[k] === 1 && g.shape[k] !== 1);
  const out = c.alloc(label, shape);
  c.emit(reduce(c.gpu, 'Sum', g, out, axes, `${label} (sum over broadcast axes)`));
  return out;
}

function apply(c: BackwardCtx, op: BinaryOp, a: GpuTensor, b: GpuTensor, label: string): GpuTensor {
  const y = c.alloc(label, a.shape.length >= b.shape.length ? broadcast(a.shape, b.shape) : broadcast(b.shape, a.shape));
  c.emit(binary(c.gpu, op, a, b, y));
  return y;
}

function broadcast(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...ones(r - a.length), ...a];
  const pb = [...ones(r - b.length), ...b];
  return pa.map((d, k) => Math.max(d, pb[k]));
}

const scalar = (c: BackwardCtx, label: string, v: number) => c.alloc(label, [1], Float32Array.of(v));

function elementwise(op: 'Add' | 'Sub' | 'Mul' | 'Div') {
  return (c: BackwardCtx) => {
    const dy = c.dy(0)!;
    const name = c.node.name || c.node.outputs[0];
    for (const i of [0, 1]) {
      if (!c.needs(i)) continue;
      const mine = c.input(i);
      const other = c.input(1 - i);
      const label = `d ${c.node.inputs[i]} (${op} ${name})`;
      let g: GpuTensor;
      if (op === 'Add' || (op === 'Sub' && i === 0)) g = dy;
      else if (op === 'Sub') g = apply(c, 'Mul', dy, scalar(c, `${label} −1`, -1), label);
      else if (op === 'Mul') g = apply(c, 'Mul', dy, other, label);
      else if (i === 0) g = apply(c, 'Div', dy, other, label);
      else {
        // ∂(a/b)/∂b = −(a/b)/b
        const t = apply(c, 'Div', apply(c, 'Mul', dy, c.output(0), `${label} dy·y`), mine, `${label} dy·y/b`);
        g = apply(c, 'Mul', t, scalar(c, `${label} −1`, -1), label);
      }
      c.give(i, sumTo(c, g, mine.shape, label));
    }
  };
}

export const BACKWARD: Record<string, (c: BackwardCtx) => void> = {
  Add: elementwise('Add'),
  Sub: elementwise('Sub'),
  Mul: elementwise('Mul'),
  Div: elementwise('Div'),
  Sum: (c) => {
    // variadic Sum: every input gets dy (summed over its broadcast axes)
    c.node.inputs.forEach((_, i) => c.needs(i) && c.give(i, sumTo(c, c.dy(0)!, c.input(i).shape, `d ${c.node.inputs[i]}`)));
  },
  Concat: (c) => {
    const dy = c.dy(0)!;
    const axis = normAxis(c.ctx, c.ctx.int('axis', 0), dy.shape.length);
    let offset = 0;
    c.node.inputs.forEach((name, i) => {
      const shape = c.input(i).shape;
      if (c.needs(i)) {
        const starts = dy.shape.map((_, k) => (k === axis ? offset : 0));
        const dx = c.alloc(`d ${name}`, shape);
        c.emit(slice(c.gpu, dy, dx, starts, ones(shape.length)));
        c.give(i, dx);
      }
      offset += shape[axis];
    });
  },
  Split: (c) => {
    if (!c.needs(0)) return;
    const { axis } = splitPlan(c.ctx);
    const parts = c.node.outputs.map((o, k) => c.dy(k) ?? c.alloc(`d ${o} (zeros)`, c.outShape(k)));
    const dx = c.alloc(`d ${c.node.inputs[0]}`, c.input(0).shape);
    c.emit(...concat(c.gpu, parts, dx, axis));
    c.give(0, dx);
  },
  Slice: (c) => {
    if (!c.needs(0)) return;
    const p = slicePlan(c.ctx);
    if (p.steps.some((s) => s !== 1)) c.unsupported('the gradient of a strided Slice is not implemented');
    const dx = c.alloc(`d ${c.node.inputs[0]}`, c.input(0).shape);
    c.emit(pad(c.gpu, c.dy(0)!, dx, p.starts, 0));
    c.give(0, dx);
  },
  Pad: (c) => {
    if (!c.needs(0)) return;
    const x = c.input(0).shape;
    const p = padPlan(c.ctx);
    const begin = p.pads.slice(0, x.length);
    if (p.mode !== 'constant' || p.pads.some((v) => v < 0)) c.unsupported('the gradient of a non-constant or cropping Pad is not implemented');
    const dx = c.alloc(`d ${c.node.inputs[0]}`, x);
    c.emit(slice(c.gpu, c.dy(0)!, dx, begin, ones(x.length)));
    c.give(0, dx);
  },
  Transpose: (c) => {
    if (!c.needs(0)) return;
    const x = c.input(0).shape;
    const perm = c.ctx.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
    const inv = perm.map((_, k) => perm.indexOf(k));
    const dx = c.alloc(`d ${c.node.inputs[0]}`, x);
    c.emit(transpose(c.gpu, c.dy(0)!, dx, inv));
    c.give(0, dx);
  },
  ReduceMean: (c) => reduceBackward(c, 'Mean'),
  ReduceSum: (c) => reduceBackward(c, 'Sum'),
  BatchNormalization: (c) => {
    if (!c.needs(0)) return;
    if (c.node.outputs.slice(1).some(Boolean)) c.unsupported('training-mode BatchNormalization (running statistics outputs) has no gradient here');
    const x = c.input(0).shape;
    const [scale, , , variance] = [1, 2, 3, 4].map((i) => c.ctx.constInput(i, `BatchNormalization input ${i}`)!);
    const eps = c.ctx.float('epsilon', 1e-5);
    const a = Float32Array.from(scale, (s, k) => s / Math.sqrt(variance[k] + eps));
    const at = c.alloc(`${c.node.name} scale/σ`, [x[1], ...ones(x.length - 2)], a);
    c.give(0, apply(c, 'Mul', c.dy(0)!, at, `d ${c.node.inputs[0]}`));
  },
};

/** Ops without a gradient here, and what to tell the user when one follows a trained layer in a block. */
export const NO_GRADIENT: Record<string, string> = {
  Resize: 'the gradient of Resize is not implemented, so a block cannot train a layer before a Resize (the automatic partition keeps Resize out of blocks)',
  LRN: 'the gradient of LRN is not implemented, so a block cannot train a layer before an LRN (the automatic partition keeps LRN out of blocks)',
};

/** Ops program.ts differentiates itself: weighted layers, activations, views and pooling. */
const IN_PROGRAM = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Relu', 'Clip', 'LeakyRelu', 'HardSwish', 'HardSigmoid', 'Sigmoid',
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'GlobalAveragePool', 'GlobalMaxPool', 'MaxPool', 'AveragePool',
]);

/** Whether a block can train a layer that comes before an op of this type (the partition's test). */
export const hasBackward = (opType: string): boolean => IN_PROGRAM.has(opType) || opType in BACKWARD;

/** dx = dy spread back over the reduced axes (÷ their size for Mean); global pooling over H, W reuses its kernel. */
function reduceBackward(c: BackwardCtx, kind: 'Mean' | 'Sum'): void {
  if (!c.needs(0)) return;
  const x = c.input(0).shape;
  const { axes } = reducePlan(c.ctx, kind);
  const dy = c.dy(0)!;
  const dx = c.alloc(`d ${c.node.inputs[0]}`, x);
  if (kind === 'Mean' && x.length === 4 && axes.length === 2 && axes[0] === 2 && axes[1] === 3) {
    c.emit(globalPoolGrad(c.gpu, 'avg', c.input(0), dy, dx));
    c.give(0, dx);
    return;
  }
  const kept = x.map((d, k) => (axes.includes(k) ? 1 : d));
  if (kind === 'Sum') {
    c.emit(expand(c.gpu, view(dy, kept), dx));
    c.give(0, dx);
    return;
  }
  const spread = c.alloc(`d ${c.node.inputs[0]} (spread)`, x);
  c.emit(expand(c.gpu, view(dy, kept), spread));
  const count = axes.reduce((n, k) => n * x[k], 1);
  c.emit(binary(c.gpu, 'Mul', spread, scalar(c, `1/${count}`, 1 / count), dx));
  c.give(0, dx);
}
