// A layer whose float32 weights exceed one storage binding (AlexNet's fc6, 151 MiB, against the
// 128 MiB WebGPU guarantees) cannot hold AdaRound's per-weight state: the run passes over its block
// (round to nearest kept), the cache plan caches nothing for it and says why, and the rest of the
// run is planned as before.
import { describe, expect, it } from 'vitest';
import type { Block } from './blocks';
import { planBlockCaches, unbindableLayer } from './cache-plan';

const block = (index: number, layers: string[]): Block => ({ index, name: `b${index}`, kind: 'layer', nodes: [], input: index ? `t${index}` : 'in', output: `t${index + 1}`, layers, acts: [] });
const MiB = 2 ** 20;
const limit = 128 * MiB;
/** Weight elements: fc6 is AlexNet's 4096 × 9216, the others small; "float" is not trained. */
const elements = (l: string) => ({ conv: 64 * 3 * 11 * 11, fc6: 4096 * 9216, fc7: 4096 * 4096 })[l];

describe('layers too large to bind', () => {
  it('names the layer, its size and the limit; null when every trained layer fits', () => {
    expect(unbindableLayer(block(0, ['conv']), elements, limit)).toBeNull();
    expect(unbindableLayer(block(1, ['float', 'fc6', 'fc7']), elements, limit)).toBe('layer "fc6" has 144 MiB of float32 weights, more than this GPU binds in one buffer (128 MiB): the block keeps round to nearest');
    // the same layer fits a GPU that binds more (the adapter's own limit is requested)
    expect(unbindableLayer(block(1, ['fc6']), elements, 1024 * MiB)).toBeNull();
    // exactly the limit fits
    expect(unbindableLayer(block(2, ['fc7']), elements, 4 * 4096 * 4096)).toBeNull();
    expect(unbindableLayer(block(2, ['fc7']), elements, 4 * 4096 * 4096 - 4)).toMatch(/^layer "fc7" has 64 MiB/);
  });

  it('the plan passes over such a block: no cache, the reason kept, other blocks planned and the peak theirs', () => {
    const blocks = [block(0, ['conv']), block(1, ['fc6']), block(2, ['fc7'])];
    const shapes: Record<string, number[]> = { in: [1, 3, 224, 224], t1: [1, 9216], t2: [1, 4096], t3: [1, 4096] };
    const o = { cacheMiB: 2048, cachePrecision: 'auto' as const, count: 64 };
    const plain = planBlockCaches(blocks, (t) => shapes[t], 'in', (l) => !!elements(l), o);
    const plan = planBlockCaches(blocks, (t) => shapes[t], 'in', (l) => !!elements(l), { ...o, skip: (b) => unbindableLayer(b, elements, limit) });
    expect(plan.error).toBeNull();
    expect(plan.blocks.map((b) => [b.name, b.precision, b.skipped ?? null])).toEqual([
      ['b0', 'f32', null],
      ['b1', null, expect.stringMatching(/^layer "fc6" has 144 MiB/)],
      ['b2', 'f32', null],
    ]);
    expect(plan.blocks[1].bytes).toBe(0);
    expect(plain.blocks[1].bytes).toBeGreaterThan(0);
    expect(plan.peak).toBe(Math.max(plain.blocks[0].bytes, plain.blocks[2].bytes));
  });
});
