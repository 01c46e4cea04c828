// Typed wrapper over shaders/pad.wgsl: constant-mode Pad up to rank 8. padsBegin are the ONNX
// begin pads (negative crops); y.shape carries the end pads.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { numel, padTo, stridesOf } from './layout';

export function pad(gpu: Gpu, x: GpuTensor, y: GpuTensor, padsBegin: number[], value: number): Dispatch {
  const rank = x.shape.length;
  if (padsBegin.length !== rank || y.shape.length !== rank) {
    throw new Error(`Pad: padsBegin and the output shape need one entry per input axis (rank ${rank})`);
  }
  const n = numel(y.shape);
  const ints = [n, rank, 0, 0, ...padTo(y.shape, 8, 1), ...padTo(x.shape, 8, 1), ...padTo(padsBegin), ...padTo(stridesOf(x.shape))];
  const u = gpu.uniform('Pad', ints, [value]);
  return gpu.dispatch('pad', [x.buffer, y.buffer, u], grid(Math.ceil(n / 64)), {}, 'Pad');
}
