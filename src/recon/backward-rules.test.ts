// Backward rules (backward-rules.ts) inside a real block program, against finite differences of the
// program's own loss: conv → [ops under test] → conv on small random graphs, rounding variables V
// of both convs moved along a random direction; the analytic ∂L/∂V·d must match the central
// difference. Ops: squeeze-excitation (ReduceMean over H,W, broadcast Mul on both operands,
// Sigmoid), channel split/shuffle/concat (Split, Concat, Reshape, Transpose, Slice, Pad),
// broadcast Sub/Div on both operands, ReduceMean/ReduceSum over other axes, standalone
// BatchNormalization; a trained ConvTranspose (conv-transpose-layer.ts); and Resize's "not
// supported" message.
import { describe, expect, it } from 'vitest';
import type { Node } from '../graph/ir';
import { Session } from '../engine/session';
import { freshSeed, randArray, rng, testGpu } from '../test/helpers';
import { analyzeSession } from './analysis';
import type { Block } from './blocks';
import { BlockProgram } from './program';
import { stepBuffer, writeStep } from './step';
import { sampleCacheOf } from './cache';
import { convSandwich, ints, irNode as n, minMaxWeightQuant } from './test-setup';

const B = 2;

interface Case {
  /** Nodes between c1 = conv1(x) [B,4,6,6] and conv2's input "z". */
  nodes: Node[];
  inits: [string, number[], number[] | Float32Array][];
  zChannels: number;
  /** A weighted layer among `nodes` trained too: node, weight, channel axis. */
  trained?: [string, string, number];
}

const CASES: Record<string, Case> = {
  'squeeze-excitation: x · σ(ReduceMean(x)·k)': {
    nodes: [
      n('s', 'Sigmoid', ['c1'], ['s']),
      n('pool', 'ReduceMean', ['s'], ['p'], { axes: ints([2, 3]), keepdims: { type: 'int', value: 1 } }),
      n('k', 'Mul', ['p', 'k'], ['pk']),
      n('gate', 'Sigmoid', ['pk'], ['g']),
      n('se', 'Mul', ['s', 'g'], ['z']),
    ],
    inits: [['k', [1, 4, 1, 1], [1.5, -2, 0.7, 3]]],
    zChannels: 4,
  },
  'channel split, shuffle, concat, slice, pad': {
    nodes: [
      n('split', 'Split', ['c1', 'sizes'], ['a', 'b'], { axis: { type: 'int', value: 1 } }),
      n('sb', 'Sigmoid', ['b'], ['sb']),
      n('cat', 'Concat', ['sb', 'a'], ['t'], { axis: { type: 'int', value: 1 } }),
      n('r1', 'Reshape', ['t', 'shape5'], ['r']),
      n('tr', 'Transpose', ['r'], ['rt'], { perm: ints([0, 2, 1, 3, 4]) }),
      n('r2', 'Reshape', ['rt', 'shape4'], ['sh']),
      n('sl', 'Slice', ['sh', 'starts', 'ends', 'axes'], ['sl']),
      n('pad', 'Pad', ['sl', 'pads'], ['z']),
    ],
    inits: [['sizes', [2], [1, 3]], ['shape5', [5], [0, 2, 2, 6, 6]], ['shape4', [4], [0, 4, 6, 6]], ['starts', [2], [1, 1]], ['ends', [2], [4, 5]], ['axes', [2], [1, 2]], ['pads', [8], [0, 0, 2, 0, 0, 0, 0, 0]]],
    zChannels: 3,
  },
  'broadcast Sub/Div, ReduceMean over C, ReduceSum over W, standalone BatchNormalization': {
    nodes: [
      n('bn', 'BatchNormalization', ['c1', 'bs', 'bb', 'bm', 'bv'], ['bn']),
      n('mean', 'ReduceMean', ['bn'], ['m'], { axes: ints([1]), keepdims: { type: 'int', value: 1 } }),
      n('sq', 'Mul', ['m', 'm'], ['m2']),
      n('den', 'Add', ['m2', 'three'], ['d']),
      n('div', 'Div', ['bn', 'd'], ['q']),
      n('rs', 'ReduceSum', ['q', 'ax3'], ['rsum'], { keepdims: { type: 'int', value: 1 } }),
      n('sub', 'Sub', ['q', 'rsum'], ['u']),
      n('sig', 'Sigmoid', ['u'], ['z']),
    ],
    inits: [['bs', [4], [1.2, 0.8, -0.5, 2]], ['bb', [4], [0.1, -0.2, 0.3, 0]], ['bm', [4], [0.05, 0, -0.1, 0.2]], ['bv', [4], [1, 0.5, 2, 0.7]], ['three', [1], [3]], ['ax3', [1], [3]]],
    zChannels: 4,
  },
  'ConvTranspose trained (groups 2, stride 2, output_padding; channel axis 1)': {
    nodes: [
      n('up', 'ConvTranspose', ['c1', 'wt', 'bt'], ['u'], { group: { type: 'int', value: 2 }, strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]), kernel_shape: ints([3, 3]) }),
      n('su', 'Sigmoid', ['u'], ['su']),
      n('avg', 'AveragePool', ['su'], ['z'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
    ],
    inits: [['wt', [4, 2, 3, 3], Float32Array.from({ length: 72 }, (_, i) => Math.sin(i * 1.7) * 0.5)], ['bt', [4], [0.1, -0.1, 0.2, 0]]],
    zChannels: 4,
    trained: ['up', 'wt', 1],
  },
};

const INT_INPUTS = new Set(['sizes', 'shape5', 'shape4', 'starts', 'ends', 'axes', 'pads', 'ax3']);

async function program(c: Case, seed: number) {
  const gpu = await testGpu();
  const s = await Session.fromModel(gpu, convSandwich(c.nodes, c.inits, c.zChannels, seed, INT_INPUTS), 'rules.onnx');
  const a = analyzeSession(s, B);
  const names = a.gpuNodes.map((g) => g.node.name);
  const t = c.trained;
  const weights = [minMaxWeightQuant(s, 'conv1', 'w1'), ...(t ? [minMaxWeightQuant(s, t[0], t[1], t[2])] : []), minMaxWeightQuant(s, 'conv2', 'w2')];
  const block: Block = { index: 0, name: 'test', kind: 'chain', nodes: names, input: 'x', output: 'y', layers: weights.map((w) => w.node), acts: [] };
  const r = rng(seed + 1);
  const count = 4;
  const xs = randArray(count * 108, r, -1, 1);
  const caches = { x: sampleCacheOf(gpu, 'x', xs, count), xQ: sampleCacheOf(gpu, 'xq', xs, count), y: sampleCacheOf(gpu, 'y', randArray(count * 144, r, -1, 1), count) };
  const step = stepBuffer(gpu, 'rules');
  const p = new BlockProgram(gpu, a, block, weights, [], caches, step, { batch: B, drop: 0, inputDrop: 0, lsq: false, historyLength: 1 });
  writeStep(gpu, step, { iter: 3, seed: 11, beta: 4, lambda: 0, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });
  return { gpu, s, p, weights, r };
}

describe('backward rules in a block program = finite differences', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const seed = freshSeed();
    const { gpu, s, p, weights, r } = await program(CASES[name], seed);
    const vs = weights.map((w) => randArray(w.codes.length, r, -1.5, 1.5));
    const dir = weights.map((w) => Float32Array.from({ length: w.codes.length }, () => (r() < 0.5 ? -1 : 1)));
    const lossAt = async (eps: number, layer: number) => {
      weights.forEach((w, k) => gpu.write(p.layerState(w.node)!.v.buffer, vs[k].map((v, i) => v + (k === layer ? eps * dir[k][i] : 0))));
      await gpu.run(p.gradientOnly());
      return (await gpu.read(p.recHistory, 1))[0];
    };
    await lossAt(0, -1);
    const dv = await Promise.all(weights.map((w) => gpu.read(p.gradOf('v', w.node), w.codes.length)));
    // each layer's rounding variables along their own direction: every layer's gradient is checked
    const eps = 5e-2;
    for (let k = 0; k < weights.length; k++) {
      const analytic = dv[k].reduce((a, x, i) => a + x * dir[k][i], 0);
      const numeric = ((await lossAt(eps, k)) - (await lossAt(-eps, k))) / (2 * eps);
      expect(Math.abs(analytic - numeric), `seed ${seed}, ${weights[k].node}: ∂L/∂V·d ${analytic} vs finite difference ${numeric}`).toBeLessThan(3e-2 * Math.abs(numeric) + 1e-6);
    }
    p.destroy();
    s.dispose();
  });

  it('Resize after a trained layer: says the block cannot train through it', async () => {
    const c: Case = {
      nodes: [n('up', 'Resize', ['c1', '', 'scales'], ['u'], { mode: { type: 'string', value: 'nearest' } }), n('down', 'MaxPool', ['u'], ['z'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) })],
      inits: [['scales', [4], [1, 1, 2, 2]]],
      zChannels: 4,
    };
    await expect(program(c, 1)).rejects.toThrow(/Resize node "up": the gradient of Resize is not implemented, so a block cannot train a layer before a Resize/);
  });
});
