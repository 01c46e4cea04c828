// ConvTranspose (1-D and 2-D; groups, strides, dilations, pads, auto_pad, output_padding,
// output_shape, bias), forward only: the input gradient of a Conv (src/gpu/kernels/conv-transpose.ts).
import { convTranspose } from '../../gpu/kernels/conv-transpose';
import { convTransposeGeometry, type ConvTransposeGeometry } from '../../ref/conv-transpose';
import type { OpCtx, OpDef } from './op';

function geometry(c: OpCtx): ConvTransposeGeometry & { r: number; kernel: number[]; strides: number[]; dilations: number[]; group: number } {
  const x = c.in(0).shape;
  const w = c.in(1).shape;
  const r = x.length - 2;
  const group = c.int('group', 1);
  if (r < 1 || w.length !== x.length) c.fail(`input [${x}] and weight [${w}] must be [N, C, spatial...] and [C, M/group, kernel...]`);
  if (w[0] !== x[1] || x[1] % group !== 0) c.fail(`input has ${x[1]} channels, the weight ${w[0]}, group ${group}`);
  const ones = () => new Array<number>(r).fill(1);
  const kernel = c.ints('kernel_shape') ?? w.slice(2);
  const strides = c.ints('strides') ?? ones();
  const dilations = c.ints('dilations') ?? ones();
  const outputPadding = c.ints('output_padding') ?? new Array<number>(r).fill(0);
  if ([kernel, strides, dilations, outputPadding].some((v) => v.length !== r)) c.fail(`kernel_shape, strides, dilations and output_padding need ${r} values each`);
  try {
    const g = convTransposeGeometry(x.slice(2), { kernel, strides, dilations, outputPadding, pads: c.ints('pads'), autoPad: c.string('auto_pad', 'NOTSET'), outputShape: c.ints('output_shape') });
    return { ...g, r, kernel, strides, dilations, group };
  } catch (e) {
    return c.fail((e as Error).message);
  }
}

export const convTransposeOps: Record<string, OpDef> = {
  ConvTranspose: {
    infer: (c) => {
      const x = c.in(0).shape;
      const g = geometry(c);
      return [{ shape: [x[0], c.in(1).shape[1] * g.group, ...g.out], dtype: c.in(0).dtype }];
    },
    gpu: (c, l, outs) => {
      c.requireFloat(0);
      const g = geometry(c);
      if (g.r > 2) c.unsupported(`${g.r}-D ConvTranspose is not supported (1-D and 2-D are)`);
      if (g.kernel.join() !== c.in(1).shape.slice(2).join()) c.fail(`kernel_shape [${g.kernel}] differs from the weight's [${c.in(1).shape.slice(2)}]`);
      const bias = c.inputs[2] ? l.input(2) : null;
      const p = { strides: g.strides, dilations: g.dilations, group: g.group, pads: g.pads };
      l.emit(...convTranspose(l.gpu, l.input(0), l.input(1), bias, l.output(0), p, bias && l.temp('convtranspose.scratch', outs[0].shape)));
    },
  },
};
