// The Gpu object's count of live buffer bytes: every buffer (storage, uniform, tensor, readback)
// from creation to its first destroy, and the peak; madeSince gives what a synchronous builder made; shared
// buffers and readback staging are the Gpu's own, and staging stays bounded — also when a read fails;
// destroy() leaves nothing behind (a Gpu kept referenced after a device loss holds no GPU objects).
// Reconstruction's own memory: src/recon/memory.test.ts (runs, ablations), program-memory.test.ts
// (block programs); a device recovery: src/cli/recover.test.ts.
import { describe, expect, it } from 'vitest';
import { testGpu } from '../test/helpers';
import { isGpuLost } from './device-loss';
import { axpy } from './kernels/axpy';
import { nodeGpu } from './node-gpu';

describe('live GPU memory', () => {
  it('counts creation and destroy, once', async () => {
    const gpu = await testGpu();
    const live0 = gpu.liveBytes;
    const own0 = gpu.ownBytes;
    const mark = gpu.mark();
    const a = gpu.buffer('a', 100); // rounded up to 112
    const u = gpu.uniform('u', [1, 2, 3, 4, 5]); // 32
    const t = gpu.tensor('t', [3, 5]); // 64
    expect(gpu.liveBytes - live0).toBe(112 + 32 + 64);
    gpu.resetPeak();
    gpu.buffer('b', 1024).destroy();
    expect(gpu.peakBytes - live0).toBe(112 + 32 + 64 + 1024);
    expect(gpu.madeSince(mark)).toEqual([a, u, t.buffer]);
    a.destroy();
    a.destroy();
    expect(gpu.liveBytes - live0).toBe(32 + 64);
    const s1 = gpu.shared('test.shared', () => gpu.buffer('s', 16));
    expect(gpu.shared('test.shared', () => gpu.buffer('s', 16))).toBe(s1);
    expect(gpu.ownBytes - own0).toBe(16);
    expect(gpu.madeSince(mark)).toEqual([u, t.buffer]);
    for (const b of [u, t.buffer]) b.destroy();
    expect(gpu.liveBytes - live0).toBe(16);
  });

  it('keeps at most four readback buffers', async () => {
    const gpu = await testGpu();
    const big = gpu.tensor('big', [1 << 16]);
    const live0 = gpu.liveBytes - gpu.ownBytes;
    for (let n = 1; n <= 1 << 16; n *= 2) await gpu.read(big, n);
    expect(gpu.liveBytes - gpu.ownBytes).toBe(live0);
    expect(gpu.ownBytes).toBeLessThanOrEqual(16 + 4 * 4 * (1 << 16) + 64);
    big.buffer.destroy();
  });

  it('a read that fails (lost device) leaves no staging buffer behind', async () => {
    const gpu = await nodeGpu();
    const t = gpu.tensor('t', [1024], new Float32Array(1024).fill(1));
    await gpu.read(t, 4); // one small staging buffer kept
    const [live0, own0] = [gpu.liveBytes, gpu.ownBytes];
    gpu.device.destroy();
    const e = await gpu.read(t).catch((x: unknown) => x); // needs a larger staging buffer: made, then its map fails
    expect(isGpuLost(e)).toBe(true);
    expect([gpu.liveBytes, gpu.ownBytes]).toEqual([live0, own0]);
    gpu.destroy();
  });

  it('destroy() releases every buffer, staging, shared buffer and pipeline', async () => {
    const gpu = await nodeGpu();
    const x = gpu.tensor('x', [256], new Float32Array(256).fill(1));
    const y = gpu.tensor('y', [256]);
    gpu.shared('test.shared', () => gpu.buffer('s', 64));
    await gpu.run([axpy(gpu, x, y, 2)]); // a pipeline and its uniform buffer
    expect((await gpu.read(y))[0]).toBe(2);
    expect(gpu.liveBuffers).toBeGreaterThanOrEqual(5);
    expect(gpu.pipelineCount).toBe(1);
    gpu.destroy();
    expect({ bytes: gpu.liveBytes, own: gpu.ownBytes, buffers: gpu.liveBuffers, pipelines: gpu.pipelineCount }).toEqual({ bytes: 0, own: 0, buffers: 0, pipelines: 0 });
    x.buffer.destroy(); // a buffer destroyed again counts nothing
    expect(gpu.liveBytes).toBe(0);
  });
});
