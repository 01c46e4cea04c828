// Typed wrapper over shaders/concat.wgsl: one dispatch per (non-empty) input, each copying the
// input into its slab of y. The dispatches write disjoint ranges, so their order does not matter.
import { grid, type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { concatShape } from '../../ref/concat';
import { numel } from './layout';

export function concat(gpu: Gpu, inputs: GpuTensor[], y: GpuTensor, axis: number): Dispatch[] {
  const { shape, axis: a } = concatShape(inputs.map((t) => t.shape), axis);
  if (shape.length !== y.shape.length || shape.some((d, k) => d !== y.shape[k])) {
    throw new Error(`Concat: output shape [${y.shape.join(', ')}] should be [${shape.join(', ')}]`);
  }
  const inner = numel(shape.slice(a + 1));
  const yBlock = shape[a] * inner;
  const out: Dispatch[] = [];
  let offset = 0;
  inputs.forEach((x, k) => {
    const block = x.shape[a] * inner;
    const n = numel(x.shape);
    if (n > 0) {
      const label = `Concat[${k}]`;
      const u = gpu.uniform(label, [n, block, yBlock, offset]);
      out.push(gpu.dispatch('concat', [x.buffer, y.buffer, u], grid(Math.ceil(n / 64)), {}, label));
    }
    offset += block;
  });
  return out;
}
