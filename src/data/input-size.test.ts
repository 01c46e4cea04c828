// Input sizes for dynamic-H/W models: parsing --input-shape, the error without one, sizes that
// contradict fixed dimensions, and presets resized to the given size (preprocessing follows it).
import { describe, expect, it } from 'vitest';
import { dynamicSizePreset, hasDynamicSize, parseInputShape, resolveInputPreset, sizedPreset } from './input-size';
import { preprocess } from './image';
import { PRESETS } from './presets';

const how = (ex: string) => `pass --input-shape ${ex}`;

describe('input size', () => {
  it('parses N×C×H×W, C×H×W, H×W and a single side', () => {
    expect(parseInputShape('1x3x320x320')).toEqual({ batch: 1, channels: 3, height: 320, width: 320 });
    expect(parseInputShape('3×240×320')).toEqual({ batch: undefined, channels: 3, height: 240, width: 320 });
    expect(parseInputShape('96 128')).toEqual({ batch: undefined, channels: undefined, height: 96, width: 128 });
    expect(parseInputShape('64')).toEqual({ batch: undefined, channels: undefined, height: 64, width: 64 });
    for (const bad of ['', '1x3x0x4', '2x3x4x5x6', '1x3xHxW', '1x4x32x32', '1x3x9000x9000']) expect(() => parseInputShape(bad), bad).toThrow();
  });

  it('asks a dynamic-size model for a size, with an example from the preset', () => {
    const shape = ['N', 3, 'H', 'W'];
    expect(hasDynamicSize(shape)).toBe(true);
    expect(hasDynamicSize(['N', 3, 224, 224])).toBe(false);
    expect(dynamicSizePreset(shape)).toBe(PRESETS.imagenet);
    expect(() => resolveInputPreset(shape, 'input', { how })).toThrow(/"input" is \[N, 3, H, W\]: its height and width are not fixed.*pass --input-shape 1x3x224x224 \(the imagenet preset's size\)/);
    expect(() => resolveInputPreset(['N', 1, 'H', 'W'], 'x', { how })).toThrow(/--input-shape 1x1x28x28 \(the mnist preset's size\)/);
    expect(() => resolveInputPreset(shape, 'input', { how, presetId: 'cifar10' })).toThrow(/--input-shape 1x3x32x32/);
  });

  it('builds the preset at the given size; fixed dimensions must agree', () => {
    const shape = ['N', 3, 'H', 'W'];
    const own = resolveInputPreset(shape, 'input', { how, size: parseInputShape('1x3x320x320') });
    expect(own).toMatchObject({ guessed: true, preset: { id: 'custom', channels: 3, height: 320, width: 320, resize: 366, mean: PRESETS.imagenet.mean } });
    const at224 = resolveInputPreset(shape, 'input', { how, size: parseInputShape('3x224x224') });
    expect(at224.preset).toBe(PRESETS.imagenet);
    const named = resolveInputPreset(shape, 'input', { how, presetId: 'cifar10', size: parseInputShape('64') });
    expect(named).toMatchObject({ guessed: false, preset: { id: 'custom', height: 64, width: 64, resize: 64, label: 'CIFAR-10 (resize to 64×64, RGB)', classes: PRESETS.cifar10.classes } });
    expect(own.preset.label).toBe('ImageNet (resize 366, crop 320×320, RGB)');
    expect(resolveInputPreset(['N', 1, 'H', 'W'], 'x', { how, size: parseInputShape('56') }).preset).toMatchObject({ channels: 1, height: 56, resize: 56, mean: [0] });
    // a fixed model accepts its own size and refuses another
    expect(resolveInputPreset(['N', 3, 32, 32], 'x', { how, size: parseInputShape('3x32x32') }).preset).toBe(PRESETS.cifar10);
    expect(() => resolveInputPreset(['N', 3, 32, 32], 'x', { how, size: parseInputShape('3x64x64') })).toThrow(/height is fixed at 32, but the size given has 64/);
    expect(() => resolveInputPreset([1, 3, 'H', 'W'], 'x', { how, size: parseInputShape('8x3x64x64') })).toThrow(/batch size is fixed at 1/);
    expect(() => resolveInputPreset(['N', 3, 'H', 'W'], 'x', { how, size: parseInputShape('1x1x64x64') })).toThrow(/channel count is fixed at 3/);
  });

  it('preprocessing follows the size: a 40×30 image becomes 3×24×32 at size 24×32', () => {
    const p = sizedPreset(PRESETS.imagenet, 24, 32);
    expect(p).toMatchObject({ height: 24, width: 32, resize: 37 });
    const img = { width: 40, height: 30, data: new Uint8ClampedArray(40 * 30 * 4).fill(128) };
    const x = preprocess(img, p);
    expect(x.length).toBe(3 * 24 * 32);
    expect(x[0]).toBeCloseTo((128 / 255 - 0.485) / 0.229, 5);
    expect(sizedPreset(PRESETS.imagenet, 224, 224)).toBe(PRESETS.imagenet);
  });
});
