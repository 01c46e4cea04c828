// GPU memory of block programs, counted by the Gpu object: a block with a trained ConvTranspose,
// ops from backward-rules.ts (squeeze-excitation gate, Concat), an LSQ quantizer and APoT levels
// frees on destroy() every buffer it made (kernels' uniforms, scratch and packed weights included)
// and makes none while it trains; a block that cannot be built frees what it made before the error.
import { describe, expect, it } from 'vitest';
import type { Model, Node } from '../graph/ir';
import { tensorFloat32 } from '../onnx/dtype';
import { Session } from '../engine/session';
import { apotWeightQuant } from '../quant/apot-weights';
import { qrange, type ActQuant, type WeightQuant } from '../quant/types';
import { randArray, rng, testGpu } from '../test/helpers';
import type { Gpu } from '../gpu/gpu';
import { analyzeSession } from './analysis';
import type { Block } from './blocks';
import { destroySampleCache, sampleCacheOf } from './cache';
import { BlockProgram } from './program';
import { stepBuffer, writeStep } from './step';
import { convSandwich, ints, irNode as n, minMaxWeightQuant } from './test-setup';

const B = 2;
const int = (value: number) => ({ type: 'int' as const, value });

/** x [N,3,6,6] → conv1 → Relu (quantized) → [middle] → conv2 → y [N,4,6,6]; conv2 reads `zChannels` channels. */
const model = (middle: Node[], inits: [string, number[], number[]][], zChannels: number): Model => convSandwich([n('relu', 'Relu', ['c1'], ['r']), ...middle], inits, zChannels, 17);

async function apotQuant(gpu: Gpu, s: Session, node: string, name: string): Promise<WeightQuant> {
  const t = s.graph.initializers.get(name)!;
  const w = tensorFloat32(t);
  return { node, weight: name, dims: t.dims, axis: 0, ...(await apotWeightQuant(gpu, w, w, t.dims, t.dims, 0, 4, name)) };
}

async function setup(m: Model) {
  const gpu = await testGpu();
  const s = await Session.fromModel(gpu, m, 'memory.onnx');
  const a = analyzeSession(s, B);
  const block: Block = { index: 0, name: 'memory', kind: 'chain', nodes: a.gpuNodes.map((g) => g.node.name), input: 'x', output: 'y', layers: [], acts: ['r'] };
  const r = rng(3);
  const count = 4;
  const caches = { x: sampleCacheOf(gpu, 'x', randArray(count * 108, r), count), xQ: sampleCacheOf(gpu, 'xq', randArray(count * 108, r), count), y: sampleCacheOf(gpu, 'y', randArray(count * 144, r), count) };
  const step = stepBuffer(gpu, 'memory');
  const acts: ActQuant[] = [{ tensor: 'r', range: qrange(4, false), scale: 0.1, zeroPoint: 0 }];
  const release = () => {
    for (const c of Object.values(caches)) destroySampleCache(c);
    step.destroy();
    s.dispose();
  };
  return { gpu, s, a, block, caches, step, acts, release, live: () => gpu.liveBytes - gpu.ownBytes };
}

describe('block program GPU memory', () => {
  it('ConvTranspose, backward rules, LSQ and APoT levels: destroy() frees all it made; training makes nothing', async () => {
    const { gpu, s, a, block, caches, step, acts, release, live } = await setup(
      model(
        [
          n('up', 'ConvTranspose', ['r', 'wt', 'bt'], ['u'], { group: int(2), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]), kernel_shape: ints([3, 3]) }),
          n('su', 'Sigmoid', ['u'], ['su']),
          n('avg', 'AveragePool', ['su'], ['sp'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
          n('pool', 'ReduceMean', ['sp'], ['p'], { axes: ints([2, 3]), keepdims: int(1) }),
          n('km', 'Mul', ['p', 'k'], ['pk']),
          n('gate', 'Sigmoid', ['pk'], ['g']),
          n('se', 'Mul', ['sp', 'g'], ['e']),
          n('cat', 'Concat', ['e', 'r'], ['z'], { axis: int(1) }),
        ],
        [
          ['wt', [4, 2, 3, 3], Array.from({ length: 72 }, (_, i) => Math.sin(i * 1.7) * 0.5)],
          ['bt', [4], [0.1, -0.1, 0.2, 0]],
          ['k', [1, 4, 1, 1], [1.5, -2, 0.7, 3]],
        ],
        8,
      ),
    );
    const weights = [minMaxWeightQuant(s, 'conv1', 'w1'), minMaxWeightQuant(s, 'up', 'wt', 1), await apotQuant(gpu, s, 'conv2', 'w2')];
    expect(weights[2].levels, 'conv2 on APoT levels').toBeDefined();
    const live0 = live();
    const p = new BlockProgram(gpu, a, { ...block, layers: weights.map((w) => w.node) }, weights, acts, caches, step, { batch: B, drop: 0.5, inputDrop: 0.5, lsq: true, historyLength: 1 });
    expect(p.layerState('conv2')?.gap, 'the APoT gap buffer').toBeDefined();
    expect(live()).toBeGreaterThan(live0);
    const [mark, pipelines] = [gpu.mark(), gpu.pipelineCount];
    for (let t = 0; t < 3; t++) {
      writeStep(gpu, step, { iter: t, seed: 5, beta: 10, lambda: 0.01, lrV: 1e-3, lrS: 1e-4, bc1: 1 - 0.9 ** (t + 1), bc2: 1 - 0.999 ** (t + 1) });
      await gpu.run(p.iteration());
    }
    expect([gpu.mark(), gpu.pipelineCount], 'buffers and pipelines made while training').toEqual([mark, pipelines]);
    expect(Number.isFinite((await gpu.read(p.recHistory, 1))[0])).toBe(true);
    p.destroy();
    expect(live(), 'after destroy()').toBe(live0);
    release();
  });

  it('a block that cannot be built (Resize after a trained layer) frees what it made before the error', async () => {
    const { gpu, s, a, block, caches, step, acts, release, live } = await setup(
      model(
        [
          n('up', 'Resize', ['r', '', 'scales'], ['u'], { mode: { type: 'string', value: 'nearest' } }),
          n('down', 'MaxPool', ['u'], ['z'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
        ],
        [['scales', [4], [1, 1, 2, 2]]],
        4,
      ),
    );
    const weights = [minMaxWeightQuant(s, 'conv1', 'w1'), minMaxWeightQuant(s, 'conv2', 'w2')];
    const live0 = live();
    expect(() => new BlockProgram(gpu, a, { ...block, layers: ['conv1', 'conv2'] }, weights, acts, caches, step, { batch: B, drop: 1, inputDrop: 1, lsq: true, historyLength: 4 })).toThrow(/the gradient of Resize is not implemented/);
    expect(live(), 'after the failed build').toBe(live0);
    release();
  });
});
