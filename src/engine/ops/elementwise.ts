// Element-wise ops: activations and math (shaders/unary.wgsl), and broadcasting Add/Sub/Mul/Div,
// Pow and PRelu (binary.wgsl). Unary math also folds on the CPU for shape subgraphs.
import { unary, type UnaryOp } from '../../gpu/kernels/unary';
import { binary, type BinaryOp } from '../../gpu/kernels/binary';
import { unaryRef } from '../../ref/unary';
import { binaryRef, broadcastShape } from '../../ref/binary';
import { DT } from '../../onnx/dtype';
import { view } from './nn';
import { isCarriedInt } from './qdq';
import type { OpCtx, OpDef, OutInfo } from './op';

const same = (c: OpCtx): OutInfo[] => [{ shape: [...c.in(0).shape], dtype: c.in(0).dtype }];

/** The (a, b) parameters of each activation, from attributes or (Clip ≥ 11) constant inputs. */
export function activationParams(op: UnaryOp, c: OpCtx): [number, number] {
  switch (op) {
    case 'LeakyRelu': return [c.float('alpha', 0.01), 0];
    case 'HardSigmoid': return [c.float('alpha', 0.2), c.float('beta', 0.5)];
    case 'Elu': return [c.float('alpha', 1), 0];
    case 'Selu': return [c.float('alpha', 1.67326319217681884765625), c.float('gamma', 1.05070102214813232421875)];
    case 'Clip': {
      if (c.opset < 11) return [c.float('min', -Infinity), c.float('max', Infinity)];
      const lo = c.constInput(1, 'Clip min');
      const hi = c.constInput(2, 'Clip max');
      return [lo ? lo[0] : -Infinity, hi ? hi[0] : Infinity];
    }
    default: return [0, 0];
  }
}

/** A unary op; `pick` chooses the kernel op from the node (Gelu's approximate attribute). */
function activation(op: UnaryOp, pick: (c: OpCtx) => UnaryOp = () => op): OpDef {
  return {
    infer: same,
    fold: (c) => {
      const [a, b] = activationParams(op, c);
      return [unaryRef(pick(c), c.in(0).values!(), a, b)];
    },
    gpu: (c, l) => {
      // Clip also bounds integer codes carried as float32 (the exporter's Clip between Q and DQ)
      if (op !== 'Clip' || !isCarriedInt(c.in(0).dtype)) c.requireFloat(0);
      const [a, b] = activationParams(op, c);
      // WGSL has no infinities in uniforms' arithmetic; clamp to the float32 range.
      const f = (v: number) => Math.max(-3.4028234663852886e38, Math.min(3.4028234663852886e38, v));
      l.emit(unary(l.gpu, pick(c), l.input(0), l.output(0), f(a), f(b)));
    },
  };
}

function arith(op: BinaryOp): OpDef {
  return {
    infer: (c) => {
      try {
        return [{ shape: broadcastShape(c.in(0).shape, c.in(1).shape), dtype: c.in(0).dtype }];
      } catch (e) {
        return c.fail((e as Error).message);
      }
    },
    fold: (c) => [binaryRef(op, c.in(0).values!(), c.in(0).shape, c.in(1).values!(), c.in(1).shape).data],
    gpu: (c, l) => {
      c.requireFloat(0);
      // Pow's exponent may be of another numeric type; a constant one is uploaded as float32.
      if (op !== 'Pow' || !c.in(1).values) c.requireFloat(1);
      l.emit(binary(l.gpu, op, l.input(0), l.input(1), l.output(0)));
    },
  };
}

/**
 * PRelu's slope broadcasts to X (unidirectionally). A 1-D slope of X's channel count against
 * N×C×… (PRelu-6 and older converters) is taken per channel, as [C, 1, …].
 */
function slopeShape(c: OpCtx): number[] {
  const x = c.in(0).shape;
  const s = c.in(1).shape;
  const fits = (shape: number[]) => {
    try {
      return broadcastShape(x, shape).join(',') === x.join(',');
    } catch {
      return false;
    }
  };
  if (fits(s)) return s;
  if (s.length === 1 && x.length > 2 && s[0] === x[1]) return [s[0], ...x.slice(2).map(() => 1)];
  return c.fail(`slope [${s}] does not broadcast to the input [${x}]`);
}

const prelu: OpDef = {
  infer: (c) => {
    slopeShape(c);
    return same(c);
  },
  fold: (c) => [binaryRef('PRelu', c.in(0).values!(), c.in(0).shape, c.in(1).values!(), slopeShape(c)).data],
  gpu: (c, l) => {
    c.requireFloat(0);
    c.requireFloat(1);
    l.emit(binary(l.gpu, 'PRelu', l.input(0), view(l.input(1), slopeShape(c)), l.output(0)));
  },
};

const gelu = (c: OpCtx): UnaryOp => {
  const mode = c.string('approximate', 'none');
  if (mode !== 'none' && mode !== 'tanh') c.fail(`approximate="${mode}" is not one of "none", "tanh"`);
  return mode === 'tanh' ? 'GeluTanh' : 'Gelu';
};

export const elementwiseOps: Record<string, OpDef> = {
  Relu: activation('Relu'),
  LeakyRelu: activation('LeakyRelu'),
  Clip: activation('Clip'),
  Sigmoid: activation('Sigmoid'),
  HardSigmoid: activation('HardSigmoid'),
  HardSwish: activation('HardSwish'),
  Add: arith('Add'),
  Sub: arith('Sub'),
  Mul: arith('Mul'),
  Div: arith('Div'),
  Pow: arith('Pow'),
  PRelu: prelu,
  Tanh: activation('Tanh'),
  Erf: activation('Erf'),
  Gelu: activation('Gelu', gelu),
  Elu: activation('Elu'),
  Selu: activation('Selu'),
  Softplus: activation('Softplus'),
  Sqrt: activation('Sqrt'),
  Exp: activation('Exp'),
  Log: activation('Log'),
  Reciprocal: activation('Reciprocal'),
  Neg: activation('Neg'),
  Abs: activation('Abs'),
  Floor: activation('Floor'),
  Ceil: activation('Ceil'),
};

/** Values as the output element type stores them (integer division truncates, float32 rounds). */
export function castValues(v: Float64Array, dtype: number): Float64Array {
  switch (dtype) {
    case DT.FLOAT: return v.map(Math.fround);
    case DT.DOUBLE: case DT.FLOAT16: case DT.BFLOAT16: return v;
    case DT.FLOAT8E4M3FN: case DT.FLOAT8E4M3FNUZ: case DT.FLOAT8E5M2: case DT.FLOAT8E5M2FNUZ: case DT.FLOAT4E2M1: return v; // already their values
    case DT.BOOL: return v.map((x) => (x ? 1 : 0));
    default: return v.map((x) => (Number.isFinite(x) ? Math.trunc(x) : x));
  }
}
