// ONNX QuantizeLinear and DequantizeLinear (default domain; per tensor, per axis, blocked). Integer
// tensors are carried on the GPU as float32 holding the exact integers (exact to 2^24: every 2-16-bit
// type; int32 codes beyond ±2^24 round); float8/float4 ones as the values their codes stand for (all
// exact in float32), with a zero point of 0. DequantizeLinear of constant codes (weights) folds at plan time.
import { dequantizeLinear, quantizeLinear, quantizeLinearFloat } from '../../gpu/kernels/qdq-linear';
import { dequantizeLinearRef, qdqLayout, quantizeLinearRef, type QdqLayout } from '../../ref/qdq-linear';
import { quantizeMiniFloatRef } from '../../ref/minifloat';
import { DT, dtypeName } from '../../onnx/dtype';
import { isMiniFloat, MINIFLOATS } from '../../onnx/minifloat';
import { normAxis, size, type OpCtx, type OpDef } from './op';

/** Integer element types the engine carries as float32, with their ranges (QuantizeLinear saturates to them). */
export const INT_RANGES: Record<number, [number, number]> = {
  [DT.UINT8]: [0, 255], [DT.INT8]: [-128, 127], [DT.UINT16]: [0, 65535], [DT.INT16]: [-32768, 32767],
  [DT.INT32]: [-2147483648, 2147483647], [DT.UINT4]: [0, 15], [DT.INT4]: [-8, 7], [DT.UINT2]: [0, 3], [DT.INT2]: [-2, 1],
};

export const isCarriedInt = (dt: number): boolean => Object.hasOwn(INT_RANGES, dt);

/** Where the scale and zero point of each element are (the zero point, when given, has the scale's shape). */
export function layoutOf(c: OpCtx): QdqLayout {
  const x = c.in(0).shape;
  const s = c.in(1).shape;
  const zp = c.inputs[2];
  // a scalar and a [1] both mean per tensor (ONNX's own tests mix them)
  if (zp && zp.shape.join() !== s.join() && !(size(zp.shape) === 1 && size(s) === 1)) c.fail(`zero point [${zp.shape}] and scale [${s}] differ in shape`);
  const block = c.opset >= 21 ? c.int('block_size', 0) : 0;
  if (block < 0) c.fail(`block_size ${block} must be ≥ 0`);
  if (block === 0 && size(s) === 1 && s.length <= 1) return { mode: 'tensor' };
  const axis = normAxis(c, c.int('axis', 1), x.length);
  try {
    return qdqLayout(x, s, axis, block);
  } catch (e) {
    return c.fail((e as Error).message);
  }
}

/** QuantizeLinear's output type: output_dtype (opset 21), else the zero point's, else uint8. */
function codeType(c: OpCtx): number {
  const zp = c.inputs[2];
  const attr = c.opset >= 21 ? c.int('output_dtype', 0) : 0;
  if (attr && zp && zp.dtype !== attr) c.fail(`output_dtype ${dtypeName(attr)} differs from the zero point's type ${dtypeName(zp.dtype)}`);
  const t = attr || zp?.dtype || DT.UINT8;
  if (!isCarriedInt(t) && !isMiniFloat(t)) c.unsupported(`${dtypeName(t)} codes are not implemented (integer, float8 and float4e2m1 types are)`);
  if (isMiniFloat(t)) zeroPointZero(c);
  return t;
}

/** The codes' type of DequantizeLinear's input x. */
function checkCodes(c: OpCtx): void {
  const t = c.in(0).dtype;
  if (!isCarriedInt(t) && !isMiniFloat(t)) c.unsupported(`${dtypeName(t)} input is not implemented (integer, float8 and float4e2m1 codes are)`);
  if (isMiniFloat(t)) zeroPointZero(c);
}

/** float8/float4 codes: a zero point, when given, must be a constant 0 (ONNX does not use it there). */
function zeroPointZero(c: OpCtx): void {
  const zp = c.inputs[2];
  if (zp && (!zp.values || zp.values().some((v) => v !== 0))) c.unsupported(`a ${zp.values ? 'nonzero' : 'data-dependent'} ${dtypeName(zp.dtype)} zero point is not implemented (only 0)`);
}

const zeroPointOf = (c: OpCtx): Float64Array | undefined => c.inputs[2]?.values?.();

const quantize: OpDef = {
  infer: (c) => {
    const precision = c.int('precision', 0);
    if (precision && precision !== DT.FLOAT && precision !== c.in(1).dtype) c.unsupported(`precision ${dtypeName(precision)} is not implemented (the division is float32)`);
    layoutOf(c);
    return [{ shape: [...c.in(0).shape], dtype: codeType(c) }];
  },
  fold: (c, outs) => {
    const f = MINIFLOATS[outs[0].dtype];
    if (f) return [quantizeMiniFloatRef(c.in(0).values!(), c.in(1).values!(), layoutOf(c), f, c.int('saturate', 1) !== 0)];
    const [qmin, qmax] = INT_RANGES[outs[0].dtype];
    return [quantizeLinearRef(c.in(0).values!(), c.in(1).values!(), zeroPointOf(c), layoutOf(c), qmin, qmax)];
  },
  gpu: (c, l, outs) => {
    c.requireFloat(0);
    if (!c.in(1).values) c.requireFloat(1);
    const f = MINIFLOATS[outs[0].dtype];
    if (f) {
      l.emit(quantizeLinearFloat(l.gpu, l.input(0), l.input(1), l.output(0), layoutOf(c), f, { saturate: c.int('saturate', 1) !== 0, label: `QuantizeLinear(${c.node.inputs[0]})` }));
      return;
    }
    const [qmin, qmax] = INT_RANGES[outs[0].dtype];
    const zp = c.inputs[2] ? l.input(2) : l.constant('QuantizeLinear.zero', [1], new Float32Array(1));
    l.emit(quantizeLinear(l.gpu, l.input(0), l.input(1), zp, l.output(0), layoutOf(c), qmin, qmax, `QuantizeLinear(${c.node.inputs[0]})`));
  },
};

const dequantize: OpDef = {
  infer: (c) => {
    checkCodes(c);
    layoutOf(c);
    if (c.inputs[2] && c.inputs[2].dtype !== c.in(0).dtype) c.fail(`zero point ${dtypeName(c.inputs[2].dtype)} differs from x's type ${dtypeName(c.in(0).dtype)}`);
    const attr = c.opset >= 23 ? c.int('output_dtype', 0) : 0;
    return [{ shape: [...c.in(0).shape], dtype: attr || c.in(1).dtype }];
  },
  fold: (c) => [dequantizeLinearRef(c.in(0).values!(), c.in(1).values!(), zeroPointOf(c), layoutOf(c))],
  gpu: (c, l, outs) => {
    if (outs[0].dtype !== DT.FLOAT) c.unsupported(`${dtypeName(outs[0].dtype)} output on data is not implemented (the GPU engine computes float32)`);
    if (!c.in(1).values) c.requireFloat(1);
    const zp = c.inputs[2] ? l.input(2) : l.constant('DequantizeLinear.zero', [1], new Float32Array(1));
    l.emit(dequantizeLinear(l.gpu, l.input(0), l.input(1), zp, l.output(0), layoutOf(c), `DequantizeLinear(${c.node.inputs[0]})`));
  },
};

export const qdqOps: Record<string, OpDef> = { QuantizeLinear: quantize, DequantizeLinear: dequantize };
