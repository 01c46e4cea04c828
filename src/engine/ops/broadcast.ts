// Broadcasting ops: variadic Sum/Mean/Max/Min (chains of binary.wgsl), Equal, Where (where.wgsl) and
// Expand on data. Bool tensors live on the GPU as 0/1 float32; integer ones are only ever folded.
import { binary, expand, type BinaryOp } from '../../gpu/kernels/binary';
import { unary } from '../../gpu/kernels/unary';
import { where } from '../../gpu/kernels/where';
import { binaryRef, broadcastShape, expandRef, variadicRef } from '../../ref/binary';
import { whereRef, whereShape } from '../../ref/where';
import type { GpuTensor } from '../../gpu/gpu';
import { DT, dtypeName } from '../../onnx/dtype';
import { view } from './nn';
import type { OpCtx, OpDef, Value } from './op';

/** The broadcast shape rule as shape inference reports it (a node error, not a thrown Error). */
function broadcastOf(c: OpCtx, shapes: number[][]): number[] {
  try {
    return shapes.reduce((a, b) => broadcastShape(a, b));
  } catch (e) {
    return c.fail((e as Error).message);
  }
}

/** Input i on the GPU: float32, or bool (held as 0/1 float32). */
function requireFloatOrBool(c: OpCtx, i: number): void {
  const v = c.in(i);
  if (v.dtype !== DT.FLOAT && v.dtype !== DT.BOOL) c.unsupported(`input "${v.name}" is ${dtypeName(v.dtype)}; the GPU engine computes float32 (and bool) tensors only`);
}

const present = (c: OpCtx): Value[] => c.inputs.filter((v): v is Value => !!v);

/**
 * Sum/Mean/Max/Min of 1..N inputs: a chain of pairwise kernels that alternates between the output
 * and one scratch tensor so that the last step lands in the output (Mean divides the sum by N last).
 */
function variadic(op: 'Sum' | 'Mean' | 'Max' | 'Min'): OpDef {
  const pair: BinaryOp = op === 'Sum' || op === 'Mean' ? 'Add' : op;
  return {
    infer: (c) => {
      const ins = present(c);
      if (!ins.length) c.fail('needs at least one input');
      return [{ shape: broadcastOf(c, ins.map((v) => v.shape)), dtype: ins[0].dtype }];
    },
    fold: (c) => [variadicRef(op, present(c).map((v) => ({ data: v.values!(), shape: v.shape }))).data],
    gpu: (c, l) => {
      const idx = c.inputs.flatMap((v, i) => (v ? [i] : []));
      idx.forEach((i) => c.requireFloat(i));
      const out = l.output(0);
      const divide = op === 'Mean' && idx.length > 1;
      const steps = idx.length - 1 + (divide ? 1 : 0);
      if (steps === 0) {
        l.emit(unary(l.gpu, 'Identity', l.input(idx[0]), out));
        return;
      }
      const scratch = steps > 1 ? l.temp(`${op}.acc`, out.shape) : out;
      const dest = (step: number, shape: number[]) => view((steps - step) % 2 === 0 ? out : scratch, shape);
      let acc: GpuTensor = l.input(idx[0]);
      idx.slice(1).forEach((i, k) => {
        const y = dest(k + 1, broadcastShape(acc.shape, l.input(i).shape));
        l.emit(binary(l.gpu, pair, acc, l.input(i), y));
        acc = y;
      });
      if (divide) l.emit(binary(l.gpu, 'Div', acc, l.constant(`Mean.n${idx.length}`, [], Float32Array.of(idx.length)), out));
    },
  };
}

const equal: OpDef = {
  infer: (c) => [{ shape: broadcastOf(c, [c.in(0).shape, c.in(1).shape]), dtype: DT.BOOL }],
  fold: (c) => [binaryRef('Equal', c.in(0).values!(), c.in(0).shape, c.in(1).values!(), c.in(1).shape).data],
  gpu: (c, l) => {
    requireFloatOrBool(c, 0);
    requireFloatOrBool(c, 1);
    l.emit(binary(l.gpu, 'Equal', l.input(0), l.input(1), l.output(0)));
  },
};

const whereOp: OpDef = {
  infer: (c) => {
    try {
      return [{ shape: whereShape(c.in(0).shape, c.in(1).shape, c.in(2).shape), dtype: c.in(1).dtype }];
    } catch (e) {
      return c.fail((e as Error).message);
    }
  },
  fold: (c) => {
    const [k, x, y] = [0, 1, 2].map((i) => c.in(i));
    return [whereRef(k.values!(), k.shape, x.values!(), x.shape, y.values!(), y.shape).data];
  },
  gpu: (c, l) => {
    requireFloatOrBool(c, 0);
    c.requireFloat(1);
    c.requireFloat(2);
    l.emit(where(l.gpu, l.input(0), l.input(1), l.input(2), l.output(0), `Where(${c.node.outputs[0]})`));
  },
};

const expandShape = (c: OpCtx): number[] => broadcastOf(c, [c.in(0).shape, [...c.constInput(1, 'Expand shape')!]]);

const expandOp: OpDef = {
  infer: (c) => [{ shape: expandShape(c), dtype: c.in(0).dtype }],
  fold: (c) => [expandRef(c.in(0).values!(), c.in(0).shape, expandShape(c)).data],
  gpu: (c, l) => {
    requireFloatOrBool(c, 0);
    l.emit(expand(l.gpu, l.input(0), l.output(0)));
  },
};

export const broadcastOps: Record<string, OpDef> = {
  Sum: variadic('Sum'),
  Mean: variadic('Mean'),
  Max: variadic('Max'),
  Min: variadic('Min'),
  Equal: equal,
  Where: whereOp,
  Expand: expandOp,
};
