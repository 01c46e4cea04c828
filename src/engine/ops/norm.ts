// Normalization ops: LayerNormalization (with its Mean/InvStdDev outputs), InstanceNormalization,
// inference BatchNormalization when it is not folded into a Conv/Gemm, and LRN.
import { channelAffine, instanceNorm, layerNorm, lrn } from '../../gpu/kernels/normalize';
import { batchNormAffine, batchNormRef, instanceNormRef, layerNormRef, lrnRef, type LrnParams } from '../../ref/normalize';
import { broadcastShape, broadcastStrides } from '../../ref/binary';
import { DT } from '../../onnx/dtype';
import { normAxis, size, type OpCtx, type OpDef, type OutInfo } from './op';

const same = (c: OpCtx): OutInfo => ({ shape: [...c.in(0).shape], dtype: c.in(0).dtype });

/** Values of `shape` broadcast (right-aligned) to `target`; throws if they do not broadcast to it. */
function broadcastTo(v: Float64Array, shape: readonly number[], target: readonly number[]): Float64Array {
  if (broadcastShape(shape, target).join(',') !== target.join(',')) throw new Error(`[${shape.join(', ')}] does not broadcast to [${target.join(', ')}]`);
  const strides = broadcastStrides(shape, target);
  const out = new Float64Array(size(target));
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let k = target.length - 1, rem = i; k >= 0; k--) {
      src += (rem % target[k]) * strides[k];
      rem = Math.floor(rem / target[k]);
    }
    out[i] = v[src];
  }
  return out;
}

/** LayerNormalization's view of X as [rows, n] at `axis`. */
function layerNormPlan(c: OpCtx) {
  const x = c.in(0).shape;
  const axis = normAxis(c, c.int('axis', -1), x.length);
  const normShape = x.slice(axis);
  for (const i of [1, 2]) {
    const p = c.inputs[i];
    if (p && broadcastShape(p.shape, normShape).join(',') !== normShape.join(',')) c.fail(`${i === 1 ? 'Scale' : 'B'} [${p.shape}] does not broadcast to the normalized shape [${normShape}]`);
  }
  return { axis, rows: size(x.slice(0, axis)), n: size(normShape), normShape, eps: c.float('epsilon', 1e-5) };
}

/** BatchNormalization's folded per-channel a, b (its parameters must be constants). */
function batchNormParams(c: OpCtx) {
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => c.constInput(i, 'BatchNormalization parameter') ?? c.fail(`input ${i} is missing`));
  const C = c.in(0).shape[1] ?? 1;
  if ([scale, bias, mean, variance].some((p) => p.length !== C)) c.fail(`parameters must hold one value per channel (${C})`);
  return { p: { scale, bias, mean, variance }, eps: c.float('epsilon', 1e-5) };
}

const lrnParams = (c: OpCtx): LrnParams => ({
  size: c.int('size', 0) || c.fail('size is required'),
  alpha: c.float('alpha', 1e-4),
  beta: c.float('beta', 0.75),
  bias: c.float('bias', 1),
});

export const normOps: Record<string, OpDef> = {
  LayerNormalization: {
    infer: (c) => {
      const { axis } = layerNormPlan(c);
      const x = c.in(0).shape;
      const stats = { shape: x.map((d, k) => (k < axis ? d : 1)), dtype: DT.FLOAT };
      return [same(c), stats, { ...stats }];
    },
    fold: (c) => {
      const { rows, n, normShape, eps } = layerNormPlan(c);
      const param = (i: number) => c.inputs[i] && broadcastTo(c.inputs[i]!.values!(), c.inputs[i]!.shape, normShape);
      const r = layerNormRef(c.in(0).values!(), rows, n, param(1)!, param(2), eps);
      return [r.y, r.mean, r.invStd];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const { rows, n, normShape, eps } = layerNormPlan(c);
      const scale = c.in(1);
      const bias = c.inputs[2];
      // Scale and B as the kernel reads them: both n values or both one; anything else is expanded here.
      const fits = (size(scale.shape) === n || size(scale.shape) === 1) && (!bias || size(bias.shape) === size(scale.shape));
      const param = (i: number) => {
        if (fits) return l.input(i);
        const v = c.constInput(i, i === 1 ? 'Scale' : 'B')!;
        return l.constant(`${c.node.name || c.node.outputs[0]}.${i === 1 ? 'scale' : 'bias'}`, [n], Float32Array.from(broadcastTo(v, c.inputs[i]!.shape, normShape)));
      };
      const stat = (j: number, what: string) => (c.node.outputs[j] ? l.output(j) : l.temp(`LayerNormalization.${what}`, [rows]));
      const stats = { mean: stat(1, 'mean'), invStd: stat(2, 'invStd') };
      l.emit(layerNorm(l.gpu, l.input(0), param(1), bias ? param(2) : null, l.output(0), stats, rows, n, eps, `LayerNormalization(${c.node.name || c.node.outputs[0]})`));
    },
  },
  InstanceNormalization: {
    infer: (c) => {
      const x = c.in(0).shape;
      if (x.length < 2) c.fail(`input must be [N, C, ...], got [${x}]`);
      if (size(c.in(1).shape) !== x[1] || size(c.in(2).shape) !== x[1]) c.fail(`scale and B must hold ${x[1]} values (one per channel)`);
      return [same(c)];
    },
    fold: (c) => [instanceNormRef(c.in(0).values!(), c.in(0).shape, c.in(1).values!(), c.in(2).values!(), c.float('epsilon', 1e-5))],
    gpu: (c, l) => {
      c.requireFloat(0);
      const [N, C] = c.in(0).shape;
      const stats = { mean: l.temp('InstanceNormalization.mean', [N * C]), invStd: l.temp('InstanceNormalization.invStd', [N * C]) };
      l.emit(instanceNorm(l.gpu, l.input(0), l.input(1), l.input(2), l.output(0), stats, c.float('epsilon', 1e-5), `InstanceNormalization(${c.node.name || c.node.outputs[0]})`));
    },
  },
  BatchNormalization: {
    infer: (c) => {
      if (c.node.outputs.slice(1).some(Boolean) || c.int('training_mode', 0)) c.unsupported('training mode (batch statistics, running statistics outputs) is not supported; the engine runs inference');
      if (c.opset < 9 && c.int('spatial', 1) === 0) c.unsupported('spatial=0 (statistics per channel and position) is not supported');
      if (c.in(0).shape.length < 2) c.fail(`input must be [N, C, ...], got [${c.in(0).shape}]`);
      return [same(c)];
    },
    fold: (c) => {
      const { p, eps } = batchNormParams(c);
      return [batchNormRef(c.in(0).values!(), c.in(0).shape, p, eps)];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const { p, eps } = batchNormParams(c);
      const { a, b } = batchNormAffine(p, eps);
      const key = c.node.name || c.node.outputs[0];
      const C = a.length;
      const ta = l.constant(`${key}.bn.a`, [C], Float32Array.from(a));
      const tb = l.constant(`${key}.bn.b`, [C], Float32Array.from(b));
      l.emit(channelAffine(l.gpu, l.input(0), ta, tb, l.output(0), `BatchNormalization(${key})`));
    },
  },
  LRN: {
    infer: (c) => {
      if (c.in(0).shape.length < 2) c.fail(`input must be [N, C, ...], got [${c.in(0).shape}]`);
      lrnParams(c);
      return [same(c)];
    },
    fold: (c) => [lrnRef(c.in(0).values!(), c.in(0).shape, lrnParams(c))],
    gpu: (c, l) => {
      c.requireFloat(0);
      l.emit(lrn(l.gpu, l.input(0), l.output(0), lrnParams(c), `LRN(${c.node.name || c.node.outputs[0]})`));
    },
  },
};
