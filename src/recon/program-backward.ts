// The backward of one node in a block program, from its output gradient: LSQ quantizers on its
// outputs first, then trained layers (∂W̃ → AdaRound's ∂V with the regulariser) and their input
// gradients, activations, views and pooling here; every other op through backward-rules.ts.
import { activationParams } from '../engine/ops/elementwise';
import { convGeometry, poolGeometry, view } from '../engine/ops/nn';
import type { GpuNode } from '../engine/plan';
import type { GpuTensor } from '../gpu/gpu';
import type { UnaryOp } from '../gpu/kernels/unary';
import { conv2dGradInput, conv2dGradWeight, gemmGradA, gemmGradB } from '../gpu/kernels/conv2d-grad';
import { unaryGrad } from '../gpu/kernels/unary-grad';
import { globalPoolGrad, poolGrad } from '../gpu/kernels/pool-grad';
import { lsqBackward } from '../gpu/kernels/lsq-quant';
import { adaroundBackward } from '../gpu/kernels/adaround';
import type { WeightQuant } from '../quant/types';
import { STREAM } from './step';
import { BACKWARD, NO_GRADIENT } from './backward-rules';
import { convTransposeBackward, convTransposeLayer } from './conv-transpose-layer';
import { ALIASES, type BlockLowering, type LayerState } from './program-lowering';

const ACTS: Record<string, UnaryOp> = { Relu: 'Relu', Clip: 'Clip', LeakyRelu: 'LeakyRelu', HardSwish: 'HardSwish', HardSigmoid: 'HardSigmoid', Sigmoid: 'Sigmoid' };

/** ∂W̃ → ∂V of a trained layer, with the rounding regulariser's partials. */
function adaroundGrad(b: BlockLowering, l: LayerState) {
  return adaroundBackward(b.gpu, l.grad, l.wFloor, l.v, l.params, l.dv, l.regPartials, { ...l.wq.range, axis: l.wq.axis, gap: l.gap }, b.stepBuf);
}

export function lowerBackward(b: BlockLowering, gn: GpuNode, wq: WeightQuant | undefined): void {
  const { node, ctx } = gn;
  const gpu = b.gpu;
  // quantizers on the outputs first
  for (const o of node.outputs) {
    const site = b.sites.get(o);
    if (!site) continue;
    const gq = b.grads.get(`${o}::q`);
    if (!gq) continue;
    const raw = b.tensors.get(o)!;
    const dx = b.needsGrad.has(o) ? b.alloc(`d ${o}`, raw.shape) : null;
    const opts = { qmin: site.act.range.qmin, qmax: site.act.range.qmax, p: b.opts.drop, stream: STREAM.dropBase + site.index };
    b.backward.push(...lsqBackward(gpu, raw, gq, dx, site.sz, site.grad, opts, b.stepBuf));
    if (dx) b.setGrad(o, dx);
  }
  const needIn = (i: number) => !!node.inputs[i] && b.needsGrad.has(b.outputName(node.inputs[i])) && node.inputs[i] !== b.block.input;
  const dy = b.grads.get(node.outputs[0]);
  if (!dy) {
    // (a Split whose first output nobody downstream needs)
    if (BACKWARD[node.opType] && node.outputs.some((o) => b.grads.has(o))) lowerRule(b, gn, needIn);
    return;
  }
  const inName = node.inputs[0];
  const x = () => b.valueOf(inName);
  const dxFor = (i: number) => b.alloc(`d ${node.inputs[i]}`, b.valueOf(node.inputs[i]).shape);
  const give = (i: number, g: GpuTensor) => b.setGrad(b.outputName(node.inputs[i]), g);
  const op = node.opType;
  const l = wq ? b.layerState(wq.node)! : null;

  if (op === 'Conv') {
    const g = convGeometry(b.withBatch(ctx), dy.shape);
    const w = l ? l.soft : b.valueOf(node.inputs[1]);
    if (l) {
      b.backward.push(...conv2dGradWeight(gpu, view(x(), g.xShape), view(dy, g.yShape), view(l.grad, g.wShape), g.params));
      b.backward.push(...adaroundGrad(b, l));
    }
    if (needIn(0)) {
      const dx = dxFor(0);
      b.backward.push(...conv2dGradInput(gpu, view(dy, g.yShape), view(w, g.wShape), view(dx, g.xShape), g.params));
      give(0, dx);
    }
  } else if (op === 'ConvTranspose') {
    const p = convTransposeLayer(b.withBatch(ctx));
    const dx = needIn(0) ? dxFor(0) : null;
    b.backward.push(...convTransposeBackward(gpu, p, x(), l ? l.soft : b.valueOf(node.inputs[1]), dy, l?.grad ?? null, dx));
    if (l) b.backward.push(...adaroundGrad(b, l));
    if (dx) give(0, dx);
  } else if (op === 'Gemm' || op === 'MatMul') {
    const p = op === 'Gemm' ? b.gemmParams(ctx) : { transA: false, transB: false, alpha: 1, beta: 0 };
    const w = l ? l.soft : b.valueOf(node.inputs[1]);
    if (l) {
      b.backward.push(gemmGradB(gpu, x(), dy, l.grad, p));
      b.backward.push(...adaroundGrad(b, l));
    }
    if (needIn(0)) {
      const dx = dxFor(0);
      b.backward.push(gemmGradA(gpu, dy, w, dx, p));
      give(0, dx);
    }
  } else if (ACTS[op]) {
    if (!needIn(0)) return;
    const dx = dxFor(0);
    const [lo, hi] = activationParams(ACTS[op], ctx);
    b.backward.push(unaryGrad(gpu, ACTS[op], x(), dy, dx, lo, hi));
    give(0, dx);
  } else if (ALIASES.has(op)) {
    if (needIn(0)) give(0, view(dy, b.valueOf(inName).shape));
  } else if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
    if (!needIn(0)) return;
    const dx = dxFor(0);
    b.backward.push(globalPoolGrad(gpu, op === 'GlobalMaxPool' ? 'max' : 'avg', x(), dy, dx));
    give(0, dx);
  } else if (op === 'MaxPool' || op === 'AveragePool') {
    if (!needIn(0)) return;
    const dx = dxFor(0);
    const g = poolGeometry(b.withBatch(ctx));
    b.backward.push(poolGrad(gpu, op === 'MaxPool' ? 'max' : 'avg', x(), dy, dx, { ...g.win, countIncludePad: g.countIncludePad }));
    give(0, dx);
  } else if (BACKWARD[op]) {
    lowerRule(b, gn, needIn);
  } else if (node.inputs.some((_, i) => needIn(i))) {
    b.unsupported(node, NO_GRADIENT[op] ?? 'its gradient is not implemented (needed because a trained layer comes before it in the block)');
  }
}

/** The backward of an op from backward-rules.ts. */
function lowerRule(b: BlockLowering, gn: GpuNode, needIn: (i: number) => boolean): void {
  const { node, outs } = gn;
  const B = b.opts.batch;
  BACKWARD[node.opType]({
    gpu: b.gpu,
    node,
    ctx: b.withBatch(gn.ctx),
    dy: (k) => (node.outputs[k] ? b.grads.get(node.outputs[k]) : undefined),
    input: (i) => b.valueOf(node.inputs[i]),
    output: (k) => b.tensors.get(node.outputs[k]) ?? b.valueOf(node.outputs[k]),
    outShape: (k) => [B, ...outs[k].shape.slice(1)],
    needs: needIn,
    give: (i, g) => b.setGrad(b.outputName(node.inputs[i]), g),
    alloc: (label, shape, data) => b.alloc(label, shape, data),
    emit: (...d) => b.backward.push(...d),
    unsupported: (what) => b.unsupported(node, what),
  });
}
