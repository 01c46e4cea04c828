// Reopening the model after a lost device (recover.ts) leaves nothing on the old device: the old Gpu
// holds no buffer (session plans, readback staging, shared buffers) and no pipeline; when the model
// cannot be opened on the new device, that device is released and the old session stays.
import { describe, expect, it } from 'vitest';
import { resnet20, sharedMissing } from '../data/test-paths';
import type { Gpu } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import { openModel } from './ptq';
import { reopen } from './recover';

/** The device's lost reason once destroyed, or 'alive' after a short wait. */
const destroyed = (g: Gpu) => Promise.race([g.device.lost.then((i) => i.reason), new Promise((r) => setTimeout(() => r('alive'), 300))]);

describe.skipIf(!!sharedMissing)('recovery releases the lost device', () => {
  it('reopen: the old Gpu holds no buffers or pipelines; the model runs on the new one', async () => {
    const m = await openModel(await nodeGpu(), resnet20);
    const old = m.session.gpu;
    const x = { [m.input]: { data: new Float32Array(3 * 32 * 32).fill(0.5), shape: [1, 3, 32, 32] } };
    const before = (await m.session.run(x))[m.output].data;
    expect(old.liveBuffers).toBeGreaterThan(0);
    expect(old.pipelineCount).toBeGreaterThan(0);
    old.device.destroy(); // the loss
    const fresh = await nodeGpu();
    await reopen(m, fresh);
    expect({ bytes: old.liveBytes, buffers: old.liveBuffers, pipelines: old.pipelineCount }).toEqual({ bytes: 0, buffers: 0, pipelines: 0 });
    expect(m.session.gpu).toBe(fresh);
    expect([...(await m.session.run(x))[m.output].data]).toEqual([...before]);
    m.session.dispose();
    fresh.destroy();
  });

  it('reopen on a device where the model cannot be opened: that device is released, the old session stays', async () => {
    const m = await openModel(await nodeGpu(), resnet20);
    const session = m.session;
    const fresh = await nodeGpu();
    await expect(reopen({ ...m, bytes: new Uint8Array([1, 2, 3]) }, fresh)).rejects.toThrow();
    expect(await destroyed(fresh)).toBe('destroyed');
    expect(m.session).toBe(session);
    session.dispose();
    session.gpu.destroy();
  });
});
