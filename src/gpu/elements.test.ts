// The element-wise kernels' grid stride: on a CPU adapter the grid is capped (src/gpu/elements.ts),
// so every invocation loops over many elements; these sizes make each loop run dozens of times.
import { describe, expect, it } from 'vitest';
import { cpuElementGroups, elementGrid } from './elements';
import { isCpuAdapter } from './family';
import { unary } from './kernels/unary';
import { binary } from './kernels/binary';
import { lsqForward, lsqState } from './kernels/lsq-quant';
import { unaryRef } from '../ref/unary';
import { lsqForwardRef } from '../ref/lsq-quant';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../test/helpers';

describe('grid-stride element-wise kernels', () => {
  it('a CPU adapter gets a capped grid, a GPU one element per invocation', async () => {
    const gpu = await testGpu();
    const groups = elementGrid(gpu, 10_000_000, 64);
    if (isCpuAdapter(gpu.adapter)) expect(groups[0]).toBe(cpuElementGroups());
    else expect(groups[0] * groups[1]).toBeGreaterThanOrEqual(10_000_000 / 64);
    expect(elementGrid(gpu, 100, 64)[0]).toBe(2);
  });

  it('Relu, Add and LSQ fake-quant over 300k elements = the float64 references', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const n = 300_000 + Math.floor(rng(seed)() * 1000);
    const xs = randArray(n, rng(seed), -4, 4);
    const x = gpu.tensor('x', [n], xs);
    const y = gpu.tensor('y', [n]);
    await gpu.run([unary(gpu, 'Relu', x, y)]);
    expectClose(await gpu.read(y), unaryRef('Relu', xs, 0, 0), { rtol: 0, atol: 0 }, `Relu seed ${seed}`);
    await gpu.run([binary(gpu, 'Add', x, x, y)]);
    expectClose(await gpu.read(y), Float64Array.from(xs, (v) => 2 * v), { rtol: 0, atol: 0 }, `Add seed ${seed}`);
    const o = { s: 0.25, z: 3, qmin: 0, qmax: 15, p: 1, seed: 0, stream: 0, iter: 0 };
    await gpu.run([lsqForward(gpu, x, y, lsqState(gpu, o.s, o.z), { qmin: o.qmin, qmax: o.qmax, p: 1 })]);
    expectClose(await gpu.read(y), lsqForwardRef(xs, o), { rtol: 0, atol: 1e-6 }, `LsqQuant seed ${seed}`);
  });
});
