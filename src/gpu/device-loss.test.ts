// Gpu's view of a lost device on Dawn: after `device.destroy()` from outside, a read, a run and
// throwErrors throw GpuLostError at once (no hang, no zeros); the Gpu's own destroy() is no loss.
import { describe, expect, it } from 'vitest';
import { GpuLostError, isGpuLost, lostAt } from './device-loss';
import { nodeGpu } from './node-gpu';

describe('device loss', () => {
  it('a destroyed device makes reads, runs and error checks throw GpuLostError', async () => {
    const gpu = await nodeGpu();
    const t = gpu.tensor('x', [4], new Float32Array([1, 2, 3, 4]));
    expect([...(await gpu.read(t))]).toEqual([1, 2, 3, 4]);
    expect(gpu.lostReason).toBeNull();
    gpu.device.destroy();
    const read = await gpu.read(t).catch((e: unknown) => e);
    expect(isGpuLost(read)).toBe(true);
    expect((read as GpuLostError).message).toMatch(/^the GPU device was lost \(destroyed/);
    expect(gpu.lostReason?.reason).toBe('destroyed');
    await expect(gpu.run([])).rejects.toThrow(GpuLostError);
    expect(() => gpu.throwErrors()).toThrow(GpuLostError);
    const marked = lostAt(new GpuLostError({ reason: 'unknown', message: '' }), { phase: 'reconstruction', block: 2, blockName: 'layer1.1' });
    expect((marked as Error).message).toBe('the GPU device was lost (unknown) during block 3 (layer1.1)');
  });

  it("the Gpu's own destroy() is not a loss", async () => {
    const gpu = await nodeGpu();
    let lost = false;
    void gpu.lost.then(() => (lost = true));
    gpu.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(lost).toBe(false);
    expect(gpu.lostReason).toBeNull();
  });
});
