// The Gpu object's count of live buffer bytes: every buffer (storage, uniform, tensor, readback)
// from creation to its first destroy, and the peak; madeSince gives what a synchronous builder made; shared
// buffers and readback staging are the Gpu's own, and staging stays bounded.
import { describe, expect, it } from 'vitest';
import { testGpu } from '../test/helpers';

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
});
