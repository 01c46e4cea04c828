// Session.inspect runs only the plan's prefix up to the tensors it reads: an early tensor read
// alone equals the same tensor read beside the model's last one (which runs the whole plan), for
// every node output of ResNet-20 at a few depths, float and fake-quantized.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from './session';
import { resnet20, sharedMissing } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG } from '../quant/types';
import { freshSeed, randArray, rng, testGpu } from '../test/helpers';

describe.skipIf(!!sharedMissing)('inspect', () => {
  it('a prefix of the plan gives the tensors a full run gives', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const seed = freshSeed();
    const shape = [4, 3, 32, 32];
    const x = { data: randArray(4 * 3 * 32 * 32, rng(seed), -2, 2), shape };
    const feeds = { [s.graph.inputs[0].name]: x };
    const last = s.graph.outputs[0].name;
    const nodes = s.graph.nodes.filter((n) => ['Conv', 'Relu', 'Add'].includes(n.opType));
    const picks = [1, 7, Math.floor(nodes.length / 2), nodes.length - 3].map((i) => nodes[i].outputs[0]);
    await calibrate(s, { ...DEFAULT_CONFIG, wBits: 4, aBits: 4, wObserver: 'minmax', aObserver: 'minmax', calibCount: 4 }, { batches: () => [x], batchCount: 1 });
    for (const quant of [false, true]) {
      for (const name of picks) {
        const alone = (await s.inspect(feeds, [name], { quant })).get(name);
        if (!alone) throw new Error(`${name} not kept`);
        const full = await s.inspect(feeds, [name, last], { quant });
        expect(alone.shape, name).toEqual(full.get(name)!.shape);
        expect(Array.from(alone.data), `${name} quant ${quant} seed ${seed}`).toEqual(Array.from(full.get(name)!.data));
        expect(alone.data.some((v) => v !== 0), name).toBe(true);
      }
      // the model input itself: nothing runs
      const input = s.graph.inputs[0].name;
      expect(Array.from((await s.inspect(feeds, [input], { quant })).get(input)!.data)).toEqual(Array.from(x.data));
    }
    s.dispose();
  }, 300_000);
});
