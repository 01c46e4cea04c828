// The forward of one node in a block program: a trained layer (AdaRound soft weights W̃, then Conv,
// ConvTranspose, Gemm or MatMul on W̃), any other op through the engine's own lowering (OPS) at the
// training batch, and an LSQ quantizer (with QDrop's dropping) on each output where one sits.
import type { LowerCtx } from '../engine/ops/op';
import { OPS } from '../engine/ops';
import { convGeometry, view } from '../engine/ops/nn';
import type { GpuNode } from '../engine/plan';
import { conv2dPlan } from '../gpu/kernels/conv2d';
import { gemm } from '../gpu/kernels/gemm';
import { lsqForward } from '../gpu/kernels/lsq-quant';
import { adaroundSoft } from '../gpu/kernels/adaround';
import type { WeightQuant } from '../quant/types';
import { STREAM } from './step';
import { convTransposeForward, convTransposeLayer } from './conv-transpose-layer';
import { ALIASES, type BlockLowering } from './program-lowering';

export function lowerForward(b: BlockLowering, gn: GpuNode, wq: WeightQuant | undefined): void {
  const { node, ctx, outs } = gn;
  const gpu = b.gpu;
  const B = b.opts.batch;
  const shapeOut = (k: number) => [B, ...outs[k].shape.slice(1)];
  if (wq) {
    const l = b.addLayer(wq);
    const x = b.valueOf(node.inputs[0]);
    const y = b.alloc(node.outputs[0], shapeOut(0));
    b.tensors.set(node.outputs[0], y);
    const soft = adaroundSoft(gpu, l.wFloor, l.v, l.params, l.soft, { ...wq.range, axis: wq.axis, gap: l.gap });
    b.softDispatches.add(soft);
    b.forward.push(soft);
    if (node.opType === 'Conv') {
      const g = convGeometry(b.withBatch(ctx), y.shape);
      const bias = node.inputs[2] ? b.valueOf(node.inputs[2]) : null;
      const plan = conv2dPlan(gpu, view(x, g.xShape), view(l.soft, g.wShape), bias, view(y, g.yShape), g.params);
      if (plan.pack) b.forward.push(plan.pack);
      b.forward.push(plan.conv);
    } else if (node.opType === 'ConvTranspose') {
      const bias = node.inputs[2] ? b.valueOf(node.inputs[2]) : null;
      const p = convTransposeLayer(b.withBatch(ctx));
      b.forward.push(...convTransposeForward(gpu, p, x, l.soft, bias, y, bias && b.alloc(`${node.outputs[0]} (before bias)`, y.shape)));
    } else if (node.opType === 'Gemm') {
      const c = node.inputs[2] ? b.valueOf(node.inputs[2]) : null;
      b.forward.push(gemm(gpu, x, l.soft, c, y, b.gemmParams(ctx)));
    } else {
      if (x.shape.length !== 2) b.unsupported(node, 'MatMul reconstruction needs a 2-D input');
      b.forward.push(gemm(gpu, x, l.soft, null, y, { transA: false, transB: false, alpha: 1, beta: 0 }));
    }
  } else {
    const def = OPS[node.opType];
    const bctx = b.withBatch(ctx);
    if (!ALIASES.has(node.opType)) node.outputs.forEach((o, k) => o && b.tensors.set(o, b.alloc(o, shapeOut(k))));
    const lc: LowerCtx = {
      gpu,
      input: (i) => b.valueOf(node.inputs[i]),
      output: (j) => b.tensors.get(node.outputs[j])!,
      emit: (...d) => b.forward.push(...d),
      constant: (label, shape, data) => b.alloc(label, shape, typeof data === 'function' ? data() : data),
      temp: (label, shape) => b.alloc(label, shape),
    };
    const r = def.gpu!(bctx, lc, outs.map((o, k) => ({ ...o, shape: shapeOut(k) })));
    if (r === 'alias') b.tensors.set(node.outputs[0], view(b.valueOf(node.inputs[0]), shapeOut(0)));
  }
  for (const o of node.outputs) {
    const site = b.sites.get(o);
    if (!site) continue;
    const raw = b.tensors.get(o)!;
    const q = b.alloc(`${o}::q`, raw.shape);
    b.tensors.set(`${o}::q`, q);
    b.forward.push(lsqForward(gpu, raw, q, site.sz, { qmin: site.act.range.qmin, qmax: site.act.range.qmax, p: b.opts.drop, stream: STREAM.dropBase + site.index }, b.stepBuf));
  }
}
