// Typed wrapper over shaders/softmax.wgsl: softmax over the middle axis of [outer, axisLen, inner].
// ONNX Softmax (opset < 13 flattens at `axis`, ≥ 13 uses one axis) maps onto this view in the engine.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';

/** Rows at least this long (with inner = 1) get a whole workgroup each. */
const GROUP_ROW_MIN = 64;

export function softmax(gpu: Gpu, x: GpuTensor, y: GpuTensor, outer: number, axisLen: number, inner: number): Dispatch {
  const rows = outer * inner;
  const groupRow = inner === 1 && axisLen >= GROUP_ROW_MIN;
  const u = gpu.uniform('Softmax', [axisLen, inner, rows]);
  const groups = groupRow ? rows : Math.ceil(rows / 64);
  return gpu.dispatch('softmax', [x.buffer, y.buffer, u], grid(groups), { GROUP_ROW: groupRow ? 1 : 0 }, 'Softmax');
}
