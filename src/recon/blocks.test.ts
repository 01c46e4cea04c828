// Block partition on the real models: ResNet-20 gives stem, nine residual blocks and the classifier;
// MNIST-8 (a plain chain) gives stem, one layer and the classifier.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { DEFAULT_CONFIG } from '../quant/types';
import { mnist8, resnet20, sharedDir, sharedMissing } from '../data/test-paths';
import { testGpu } from '../test/helpers';
import { sessionBlocks } from './analysis';

describe.skipIf(!!sharedMissing)('block partition', () => {
  it('ResNet-20: stem, 9 residual blocks (fork → Add → Relu), classifier', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const { blocks, placement } = sessionBlocks(s, DEFAULT_CONFIG);
    expect(blocks.map((b) => b.kind)).toEqual(['layer', ...new Array(9).fill('residual'), 'layer']);
    expect(blocks.flatMap((b) => b.layers)).toEqual(placement.layers.map((l) => l.node.name));
    expect(blocks[0]).toMatchObject({ input: 'input', output: '/Relu_output_0', layers: ['/conv1/Conv'], acts: ['/Relu_output_0'] });
    const b1 = blocks[1];
    expect(b1.name).toBe('residual /layer1/layer1.0');
    expect(b1.input).toBe('/Relu_output_0');
    expect(b1.output).toBe('/layer1/layer1.0/Relu_1_output_0');
    expect(b1.layers).toEqual(['/layer1/layer1.0/conv1/Conv', '/layer1/layer1.0/conv2/Conv']);
    expect(b1.acts).toEqual(['/layer1/layer1.0/Relu_output_0', '/layer1/layer1.0/Relu_1_output_0']);
    // the option-A shortcut (strided Slice + channel Pad) belongs to its block
    const b4 = blocks[4];
    expect(b4.nodes).toContain('/layer2/layer2.0/shortcut/Pad');
    expect(b4.input).toBe('/layer1/layer1.2/Relu_1_output_0');
    for (let k = 1; k < 10; k++) expect(blocks[k].input).toBe(blocks[k - 1].output);
    expect(blocks[10]).toMatchObject({ input: '/Reshape_output_0', output: 'logits', layers: ['/linear/Gemm'], acts: [] });
    // every node belongs to at most one block
    const all = blocks.flatMap((b) => b.nodes);
    expect(new Set(all).size).toBe(all.length);
  });

  // (MNIST-8's MatMul weight is a Reshape of an initializer: folded at load, so the classifier is a layer too.)
  it('MNIST-8: each conv with its bias Add and Relu, and the MatMul classifier with its bias Add', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(mnist8)), 'mnist-8.onnx');
    const { blocks, placement } = sessionBlocks(s, DEFAULT_CONFIG);
    expect(blocks.flatMap((b) => b.layers)).toEqual(placement.layers.map((l) => l.node.name || l.node.outputs[0]));
    expect(blocks.map((b) => b.nodes)).toEqual([
      ['Convolution28', 'Plus30', 'ReLU32'],
      ['Convolution110', 'Plus112', 'ReLU114'],
      ['Times212', 'Plus214'],
    ]);
    expect(blocks[1].input).toBe('Pooling66_Output_0');
  });

  // AlexNet's fc6 (4096 × 9216 float32 = 144 MiB) is more than a CPU adapter binds at once (128 MiB):
  // it gets a block of its own (passed over by the run) and fc7, chained to it before, trains alone
  it('a layer too large to bind makes a block of its own; its neighbours still form blocks', async () => {
    const gpu = await testGpu();
    const file = join(sharedDir, 'models/zoo/light_bvlc_alexnet.onnx');
    const s = await Session.load(gpu, new Uint8Array(readFileSync(file)), 'light_bvlc_alexnet.onnx');
    const { blocks, placement } = sessionBlocks(s, DEFAULT_CONFIG);
    expect(blocks.flatMap((b) => b.layers)).toEqual(placement.layers.map((l) => l.node.name || l.node.outputs[0]));
    const fc6 = placement.layers.find((l) => l.node.opType === 'Gemm')!;
    const name = fc6.node.name || fc6.node.outputs[0];
    const big = 4 * 4096 * 9216 > gpu.device.limits.maxStorageBufferBindingSize;
    const own = blocks.find((b) => b.layers.includes(name))!;
    if (big) {
      expect(own.layers).toEqual([name]);
      const gemms = placement.layers.filter((l) => l.node.opType === 'Gemm').map((l) => l.node.name || l.node.outputs[0]);
      expect(blocks[own.index + 1].layers).toEqual([gemms[1]]); // fc7, no longer chained to fc6
    } else {
      expect(own.layers.length).toBeGreaterThan(1); // an adapter that binds it keeps the chain
    }
  });
});
