// Typed wrappers over shaders/qdq-linear.wgsl: ONNX QuantizeLinear and DequantizeLinear with per
// tensor, per axis or blocked scale and zero point read from GPU tensors (so either may be data);
// QuantizeLinear to float8/float4 too (shaders/lib/minifloat.wgsl), the codes carried as their values.
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import type { QdqLayout } from '../../ref/qdq-linear';
import type { MiniFloat } from '../../onnx/minifloat';

/** The shader's small float format words [man, emin, flags] (lib/minifloat.wgsl); man 0: integer codes. */
type FormatWords = [man: number, emin: number, flags: number];
const INTEGER_CODES: FormatWords = [0, 0, 0];

function dispatch(gpu: Gpu, dequant: boolean, x: GpuTensor, scale: GpuTensor, zeroPoint: GpuTensor, y: GpuTensor, l: QdqLayout, qmin: number, qmax: number, label: string, format = INTEGER_CODES, qdivUlps = 0): Dispatch {
  const n = x.shape.reduce((a, b) => a * b, 1);
  if (y.shape.reduce((a, b) => a * b, 1) !== n) throw new Error(`${label}: output [${y.shape}] differs in size from x [${x.shape}]`);
  const mode = l.mode === 'tensor' ? 0 : l.mode === 'axis' ? 1 : 2;
  const d = l.mode === 'tensor' ? 1 : l.d;
  const inner = l.mode === 'tensor' ? 1 : l.inner;
  const block = l.mode === 'blocked' ? l.block : 1;
  const u = gpu.uniform(label, [n, mode, d, inner, block, Math.ceil(d / block), ...format], [qmin, qmax]);
  return gpu.dispatch('qdq-linear', [x.buffer, y.buffer, scale.buffer, zeroPoint.buffer, u], elementGrid(gpu, n, 64), { DEQUANT: dequant ? 1 : 0, ...(qdivUlps ? { QDIV_ULPS: qdivUlps } : {}) }, label);
}

/** y = clamp(round_half_even(x / s) + zp, qmin, qmax): the integer codes, as float32. */
export function quantizeLinear(gpu: Gpu, x: GpuTensor, scale: GpuTensor, zeroPoint: GpuTensor, y: GpuTensor, l: QdqLayout, qmin: number, qmax: number, label = 'QuantizeLinear'): Dispatch {
  return dispatch(gpu, false, x, scale, zeroPoint, y, l, qmin, qmax, label);
}

/** y = (x − zp)·s, x holding integer codes as float32. */
export function dequantizeLinear(gpu: Gpu, x: GpuTensor, scale: GpuTensor, zeroPoint: GpuTensor, y: GpuTensor, l: QdqLayout, label = 'DequantizeLinear'): Dispatch {
  return dispatch(gpu, true, x, scale, zeroPoint, y, l, 0, 0, label);
}

export interface FloatCodeOptions {
  /** ONNX's attribute (float8 only: float4e2m1 always saturates): beyond the largest finite value gives ±max, else ±∞ (e5m2) or NaN. */
  saturate: boolean;
  label?: string;
  /** Tests only: the adapter's quotient moved by this many ulps (see the shader). */
  qdivUlps?: number;
}

/** y = the float8/float4 value nearest fl32(x / s), ties to even (ONNX QuantizeLinear with a zero point of 0). */
export function quantizeLinearFloat(gpu: Gpu, x: GpuTensor, scale: GpuTensor, y: GpuTensor, l: QdqLayout, f: MiniFloat, o: FloatCodeOptions): Dispatch {
  const flags = (o.saturate || f.special === 'finite' ? 1 : 0) | (f.special === 'ieee' ? 2 : 0) | (f.special === 'fnuz' ? 4 : 0);
  // the zero point binding is not read on this path: the scale stands in for it
  return dispatch(gpu, false, x, scale, scale, y, l, -f.max, f.max, o.label ?? 'QuantizeLinear', [f.man, 1 - f.bias, flags], o.qdivUlps);
}
