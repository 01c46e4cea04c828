// Shape and data-movement ops. Reshape-like ops alias their input's buffer; Shape and
// ConstantOfShape only ever run at plan time (constant folding of shape subgraphs). Gather: gather.ts.
import { transpose } from '../../gpu/kernels/transpose';
import { concat } from '../../gpu/kernels/concat';
import { slice } from '../../gpu/kernels/slice';
import { pad } from '../../gpu/kernels/pad';
import { transposeRef } from '../../ref/transpose';
import { concatRef, concatShape } from '../../ref/concat';
import { resolveSlice, sliceRef } from '../../ref/slice';
import { padOutputShape, padRef } from '../../ref/pad';
import { DT, tensorValues } from '../../onnx/dtype';
import { castValues } from './elementwise';
import { normAxis, size, type OpCtx, type OpDef, type OutInfo } from './op';

const passValues: OpDef['fold'] = (c) => [c.in(0).values!()];
const alias: OpDef['gpu'] = () => 'alias';
const withShape = (c: OpCtx, shape: number[]): OutInfo[] => [{ shape, dtype: c.in(0).dtype }];

function reshapeTarget(c: OpCtx): number[] {
  const x = c.in(0).shape;
  const spec = c.opset < 5 ? c.ints('shape', [])! : [...c.constInput(1, 'Reshape shape')!];
  const allowZero = c.int('allowzero', 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? x[i] : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const known = size(out.filter((_, i) => i !== minus));
    if (known === 0 || size(x) % known !== 0) c.fail(`cannot reshape [${x}] to [${spec}]`);
    out[minus] = size(x) / known;
  }
  if (size(out) !== size(x)) c.fail(`cannot reshape [${x}] (${size(x)} elements) to [${spec}]`);
  return out;
}

function axesOf(c: OpCtx, what: string): number[] | undefined {
  if (c.opset >= 13) {
    const v = c.constInput(1, `${what} axes`);
    return v ? [...v] : undefined;
  }
  return c.ints('axes');
}

export function slicePlan(c: OpCtx) {
  const x = c.in(0).shape;
  if (c.opset < 10) return resolveSlice(x, c.ints('starts', [])!, c.ints('ends', [])!, c.ints('axes'));
  const v = (i: number, what: string) => c.constInput(i, `Slice ${what}`);
  const axes = v(3, 'axes');
  const steps = v(4, 'steps');
  try {
    return resolveSlice(x, [...v(1, 'starts')!], [...v(2, 'ends')!], axes && [...axes], steps && [...steps]);
  } catch (e) {
    return c.fail((e as Error).message);
  }
}

/** ONNX pads [b0..bn-1, e0..en-1] over every axis, the constant and the mode. */
export function padPlan(c: OpCtx): { pads: number[]; value: number; mode: string } {
  const rank = c.in(0).shape.length;
  const mode = c.string('mode', 'constant');
  if (c.opset < 11) return { pads: c.ints('pads') ?? c.ints('paddings', [])!, value: c.float('value', 0), mode };
  const given = [...c.constInput(1, 'Pad pads')!];
  const value = c.constInput(2, 'Pad constant_value')?.[0] ?? 0;
  const axesV = c.constInput(3, 'Pad axes');
  if (!axesV) return { pads: given, value, mode };
  const pads = new Array<number>(2 * rank).fill(0);
  [...axesV].forEach((a, i) => {
    const k = normAxis(c, a, rank);
    pads[k] = given[i];
    pads[k + rank] = given[i + axesV.length];
  });
  return { pads, value, mode };
}

export const tensorOps: Record<string, OpDef> = {
  Identity: { infer: (c) => withShape(c, [...c.in(0).shape]), fold: passValues, gpu: alias },
  Reshape: { infer: (c) => withShape(c, reshapeTarget(c)), fold: passValues, gpu: alias },
  Flatten: {
    infer: (c) => {
      const x = c.in(0).shape;
      const axis = c.int('axis', 1);
      const a = axis < 0 ? axis + x.length : axis;
      if (a < 0 || a > x.length) c.fail(`axis ${axis} is out of range for rank ${x.length}`);
      return withShape(c, [size(x.slice(0, a)), size(x.slice(a))]);
    },
    fold: passValues,
    gpu: alias,
  },
  Squeeze: {
    infer: (c) => {
      const x = c.in(0).shape;
      const axes = axesOf(c, 'Squeeze')?.map((a) => normAxis(c, a, x.length));
      for (const a of axes ?? []) if (x[a] !== 1) c.fail(`cannot squeeze axis ${a} of size ${x[a]}`);
      return withShape(c, x.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
    },
    fold: passValues,
    gpu: alias,
  },
  Unsqueeze: {
    infer: (c) => {
      const x = c.in(0).shape;
      const axes = axesOf(c, 'Unsqueeze') ?? c.fail('axes are required');
      const rank = x.length + axes.length;
      const at = new Set(axes.map((a) => normAxis(c, a, rank)));
      const out: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : x[k++]);
      return withShape(c, out);
    },
    fold: passValues,
    gpu: alias,
  },
  Cast: {
    infer: (c) => [{ shape: [...c.in(0).shape], dtype: c.int('to', DT.FLOAT) }],
    fold: (c, outs) => [castValues(c.in(0).values!(), outs[0].dtype)],
    gpu: (c, _l, outs) => {
      // bool tensors are held as 0/1 float32 on the GPU: bool → float is the same buffer
      if ((c.in(0).dtype === DT.FLOAT || c.in(0).dtype === DT.BOOL) && outs[0].dtype === DT.FLOAT) return 'alias';
      c.unsupported(`casting a computed ${c.in(0).dtype} tensor to type ${outs[0].dtype} is not supported on the GPU (only float32)`);
    },
  },
  Size: { infer: () => [{ shape: [], dtype: DT.INT64 }], fold: (c) => [Float64Array.of(size(c.in(0).shape))] },
  Shape: {
    infer: (c) => {
      const r = c.in(0).shape.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      return [{ shape: [Math.max(0, clamp(c.int('end', r)) - clamp(c.int('start', 0)))], dtype: DT.INT64 }];
    },
    fold: (c) => {
      const s = c.in(0).shape;
      const r = s.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      return [Float64Array.from(s.slice(clamp(c.int('start', 0)), clamp(c.int('end', r))))];
    },
  },
  ConstantOfShape: {
    infer: (c) => {
      const v = c.node.attrs.value;
      const dtype = v?.type === 'tensor' ? v.value.dataType : DT.FLOAT;
      return [{ shape: [...c.constInput(0, 'ConstantOfShape shape')!], dtype }];
    },
    fold: (c, outs) => {
      const v = c.node.attrs.value;
      const fill = v?.type === 'tensor' ? tensorValues(v.value)[0] : 0;
      return [new Float64Array(size(outs[0].shape)).fill(fill)];
    },
  },
  Concat: {
    infer: (c) => {
      try {
        return withShape(c, concatShape(c.inputs.map((v) => v!.shape), c.int('axis', 0)).shape);
      } catch (e) {
        return c.fail((e as Error).message);
      }
    },
    fold: (c) => [concatRef(c.inputs.map((v) => ({ data: v!.values!(), shape: v!.shape })), c.int('axis', 0)).data],
    gpu: (c, l) => {
      c.inputs.forEach((_, i) => c.requireFloat(i));
      const axis = normAxis(c, c.int('axis', 0), c.in(0).shape.length);
      l.emit(...concat(l.gpu, c.inputs.map((_, i) => l.input(i)), l.output(0), axis));
    },
  },
  Transpose: {
    infer: (c) => {
      const x = c.in(0).shape;
      const perm = c.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
      return withShape(c, perm.map((p) => x[p]));
    },
    fold: (c) => {
      const x = c.in(0).shape;
      return [transposeRef(c.in(0).values!(), x, c.ints('perm') ?? x.map((_, i) => x.length - 1 - i)).data];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const x = c.in(0).shape;
      l.emit(transpose(l.gpu, l.input(0), l.output(0), c.ints('perm') ?? x.map((_, i) => x.length - 1 - i)));
    },
  },
  Slice: {
    infer: (c) => withShape(c, slicePlan(c).outShape),
    fold: (c) => {
      const p = slicePlan(c);
      return [sliceRef(c.in(0).values!(), c.in(0).shape, p.starts, p.steps, p.outShape)];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const p = slicePlan(c);
      l.emit(slice(l.gpu, l.input(0), l.output(0), p.starts, p.steps));
    },
  },
  Pad: {
    infer: (c) => {
      const p = padPlan(c);
      try {
        return withShape(c, padOutputShape(c.in(0).shape, p.pads));
      } catch (e) {
        return c.fail((e as Error).message);
      }
    },
    fold: (c) => {
      const p = padPlan(c);
      if (p.mode !== 'constant') c.unsupported(`mode "${p.mode}" is not supported (constant only)`);
      return [padRef(c.in(0).values!(), c.in(0).shape, p.pads, p.value).data];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const p = padPlan(c);
      if (p.mode !== 'constant') c.unsupported(`mode "${p.mode}" is not supported on the GPU (constant only)`);
      l.emit(pad(l.gpu, l.input(0), l.output(0), p.pads.slice(0, c.in(0).shape.length), p.value));
    },
  },
};

/** Ops whose outputs are known from input shapes alone (folded even when the input is data). */
export const SHAPE_ONLY = new Set(['Shape', 'Size']);
