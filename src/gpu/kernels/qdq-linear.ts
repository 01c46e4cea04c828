// Typed wrappers over shaders/qdq-linear.wgsl: ONNX QuantizeLinear and DequantizeLinear with per
// tensor, per axis or blocked scale and zero point read from GPU tensors (so either may be data).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';
import type { QdqLayout } from '../../ref/qdq-linear';

function dispatch(gpu: Gpu, dequant: boolean, x: GpuTensor, scale: GpuTensor, zeroPoint: GpuTensor, y: GpuTensor, l: QdqLayout, qmin: number, qmax: number, label: string): Dispatch {
  const n = x.shape.reduce((a, b) => a * b, 1);
  if (y.shape.reduce((a, b) => a * b, 1) !== n) throw new Error(`${label}: output [${y.shape}] differs in size from x [${x.shape}]`);
  const mode = l.mode === 'tensor' ? 0 : l.mode === 'axis' ? 1 : 2;
  const d = l.mode === 'tensor' ? 1 : l.d;
  const inner = l.mode === 'tensor' ? 1 : l.inner;
  const block = l.mode === 'blocked' ? l.block : 1;
  const u = gpu.uniform(label, [n, mode, d, inner, block, Math.ceil(d / block)], [qmin, qmax]);
  return gpu.dispatch('qdq-linear', [x.buffer, y.buffer, scale.buffer, zeroPoint.buffer, u], elementGrid(gpu, n, 64), { DEQUANT: dequant ? 1 : 0 }, label);
}

/** y = clamp(round_half_even(x / s) + zp, qmin, qmax): the integer codes, as float32. */
export function quantizeLinear(gpu: Gpu, x: GpuTensor, scale: GpuTensor, zeroPoint: GpuTensor, y: GpuTensor, l: QdqLayout, qmin: number, qmax: number, label = 'QuantizeLinear'): Dispatch {
  return dispatch(gpu, false, x, scale, zeroPoint, y, l, qmin, qmax, label);
}

/** y = (x − zp)·s, x holding integer codes as float32. */
export function dequantizeLinear(gpu: Gpu, x: GpuTensor, scale: GpuTensor, zeroPoint: GpuTensor, y: GpuTensor, l: QdqLayout, label = 'DequantizeLinear'): Dispatch {
  return dispatch(gpu, true, x, scale, zeroPoint, y, l, 0, 0, label);
}
