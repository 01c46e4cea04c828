// Typed wrapper over shaders/transpose.wgsl: any permutation up to rank 6; dimensions that stay
// adjacent under the permutation are merged first, so NCHW→NHWC walks three dimensions, not four.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { checkPerm } from '../../ref/transpose';
import { collapseDims, numel, padTo, stridesOf } from './layout';

export function transpose(gpu: Gpu, x: GpuTensor, y: GpuTensor, perm: number[]): Dispatch {
  checkPerm(perm, x.shape.length);
  const outShape = perm.map((p) => x.shape[p]);
  if (outShape.some((d, k) => d !== y.shape[k]) || y.shape.length !== outShape.length) {
    throw new Error(`Transpose: output shape [${y.shape.join(', ')}] should be [${outShape.join(', ')}]`);
  }
  const inStrides = stridesOf(x.shape);
  const c = collapseDims(outShape, [perm.map((p) => inStrides[p])]);
  const n = numel(outShape);
  const u = gpu.uniform('Transpose', [n, c.shape.length, 0, 0, ...padTo(c.shape, 8, 1), ...padTo(c.strides[0])]);
  return gpu.dispatch('transpose', [x.buffer, y.buffer, u], grid(Math.ceil(n / 64)), {}, 'Transpose');
}
