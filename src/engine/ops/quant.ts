// The studio's internal FakeQuant op (domain "qs"): the quantize→dequantize pair of an exported
// QDQ model, applied in place to a tensor (shaders/fake-quant.wgsl); with codes = 1, the integer codes
// q − z themselves (the studio's exact-sum evaluation, src/quant/apply.ts exactSumGraph).
import { fakeQuant } from '../../gpu/kernels/fake-quant';
import { fakeQuantRef } from '../../ref/fake-quant';
import type { OpCtx, OpDef } from './op';

export const QS_DOMAIN = 'qs';

function params(c: OpCtx) {
  return {
    scales: c.floats('scales') ?? c.fail('scales missing'),
    zeroPoints: c.ints('zero_points') ?? c.fail('zero_points missing'),
    qmin: c.int('qmin', 0),
    qmax: c.int('qmax', 255),
    axis: c.int('axis', 1),
    codes: c.int('codes', 0) === 1,
  };
}

export const quantOps: Record<string, OpDef> = {
  FakeQuant: {
    infer: (c) => [{ shape: [...c.in(0).shape], dtype: c.in(0).dtype }],
    fold: (c) => [fakeQuantRef(c.in(0).values!(), c.in(0).shape, params(c))],
    gpu: (c, l) => {
      c.requireFloat(0);
      l.emit(fakeQuant(l.gpu, l.input(0), l.output(0), params(c), `FakeQuant(${c.node.inputs[0]})`));
    },
  },
};
