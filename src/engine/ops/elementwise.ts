// Element-wise ops: activations (shaders/unary.wgsl) and broadcasting Add/Sub/Mul/Div (binary.wgsl).
import { unary, type UnaryOp } from '../../gpu/kernels/unary';
import { binary, type BinaryOp } from '../../gpu/kernels/binary';
import { unaryRef } from '../../ref/unary';
import { binaryRef, broadcastShape } from '../../ref/binary';
import { DT } from '../../onnx/dtype';
import type { OpCtx, OpDef, OutInfo } from './op';

const same = (c: OpCtx): OutInfo[] => [{ shape: [...c.in(0).shape], dtype: c.in(0).dtype }];

/** The (a, b) parameters of each activation, from attributes or (Clip ≥ 11) constant inputs. */
export function activationParams(op: UnaryOp, c: OpCtx): [number, number] {
  switch (op) {
    case 'LeakyRelu': return [c.float('alpha', 0.01), 0];
    case 'HardSigmoid': return [c.float('alpha', 0.2), c.float('beta', 0.5)];
    case 'Clip': {
      if (c.opset < 11) return [c.float('min', -Infinity), c.float('max', Infinity)];
      const lo = c.constInput(1, 'Clip min');
      const hi = c.constInput(2, 'Clip max');
      return [lo ? lo[0] : -Infinity, hi ? hi[0] : Infinity];
    }
    default: return [0, 0];
  }
}

function activation(op: UnaryOp): OpDef {
  return {
    infer: same,
    fold: (c) => {
      const [a, b] = activationParams(op, c);
      return [unaryRef(op, c.in(0).values!(), a, b)];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const [a, b] = activationParams(op, c);
      // WGSL has no infinities in uniforms' arithmetic; clamp to the float32 range.
      const f = (v: number) => Math.max(-3.4028234663852886e38, Math.min(3.4028234663852886e38, v));
      l.emit(unary(l.gpu, op, l.input(0), l.output(0), f(a), f(b)));
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
      c.requireFloat(1);
      l.emit(binary(l.gpu, op, l.input(0), l.input(1), l.output(0)));
    },
  };
}

/** Fold-only element-wise math that shape subgraphs use. */
function cpuOnly(f: (v: number) => number): OpDef {
  return { infer: same, fold: (c) => [Float64Array.from(c.in(0).values!(), f)] };
}

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
  Sqrt: cpuOnly(Math.sqrt),
  Floor: cpuOnly(Math.floor),
  Ceil: cpuOnly(Math.ceil),
  Neg: cpuOnly((v) => -v),
  Abs: cpuOnly(Math.abs),
};

/** Values as the output element type stores them (integer division truncates, float32 rounds). */
export function castValues(v: Float64Array, dtype: number): Float64Array {
  switch (dtype) {
    case DT.FLOAT: return v.map(Math.fround);
    case DT.DOUBLE: case DT.FLOAT16: case DT.BFLOAT16: return v;
    case DT.BOOL: return v.map((x) => (x ? 1 : 0));
    default: return v.map((x) => (Number.isFinite(x) ? Math.trunc(x) : x));
  }
}
