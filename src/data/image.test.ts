// Preprocessing against hand computations: CIFAR PNGs through the no-resample path, PIL-style
// bilinear resize + center crop on synthetic images, gray conversion, channel order, presets.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImageNode } from './decode-node';
import { batchImages, preprocess, resizeBilinear, type RawImage } from './image';
import { PRESETS, presetForInputShape, type Preset } from './presets';
import { cifarTestDir, sharedMissing } from './test-paths';

/** An RGBA image from a per-pixel function. */
function synth(width: number, height: number, px: (x: number, y: number) => [number, number, number]): RawImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...px(x, y), 255], 4 * (y * width + x));
    }
  }
  return { width, height, data };
}

const plain = (over: Partial<Preset>): Preset => ({ ...PRESETS.cifar10, mean: [0, 0, 0], std: [1, 1, 1], scale: 1, ...over });

describe.skipIf(sharedMissing)('CIFAR-10 PNGs (no resampling)', () => {
  it('matches (v/255 − mean)/std computed in float64 for 20 test images', () => {
    const files = readdirSync(cifarTestDir).sort().slice(0, 20);
    const p = PRESETS.cifar10;
    for (const f of files) {
      const img = decodeImageNode(readFileSync(join(cifarTestDir, f)), f);
      const x = preprocess(img, p);
      expect(x.length).toBe(3 * 32 * 32);
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < 32 * 32; i++) {
          const want = (img.data[4 * i + c] / 255 - p.mean[c]) / p.std[c];
          worst = Math.max(worst, Math.abs(x[c * 1024 + i] - want));
        }
      }
      expect(worst, f).toBeLessThan(1e-6);
    }
  });
});

describe('resize and center crop', () => {
  it('upscales a 2-pixel row with half-pixel bilinear and edge clamping', () => {
    const r = resizeBilinear({ width: 2, height: 1, channels: 1, data: [0, 200] }, 4, 1);
    expect(Array.from(r.data)).toEqual([0, 50, 150, 200]);
  });

  it('halves with the antialiased [1,3,3,1]/8 filter (renormalized at the edges)', () => {
    const ramp = Float64Array.from({ length: 12 }, (_, i) => 10 * i);
    const r = resizeBilinear({ width: 12, height: 1, channels: 1, data: ramp }, 6, 1);
    // edges: (0·.75 + 10·.75 + 20·.25)/1.75 = 7.14 and (90·.25 + 100·.75 + 110·.75)/1.75 = 102.9
    expect(Array.from(r.data)).toEqual([7, 25, 45, 65, 85, 103]);
  });

  it('resizes the shorter side then crops the center (12×8 → 6×4 → 4×4)', () => {
    const img = synth(12, 8, (x) => [10 * x, 200 - 10 * x, 7]);
    const p = plain({ channels: 3, width: 4, height: 4, resize: 4 });
    const x = preprocess(img, p);
    // columns 1..4 of the halved ramp [7, 25, 45, 65, 85, 103]; rows are constant
    for (let y = 0; y < 4; y++) {
      expect([...x.subarray(y * 4, y * 4 + 4)]).toEqual([25, 45, 65, 85]);
      expect([...x.subarray(16 + y * 4, 16 + y * 4 + 4)]).toEqual([175, 155, 135, 115]);
      expect([...x.subarray(32 + y * 4, 32 + y * 4 + 4)]).toEqual([7, 7, 7, 7]);
    }
  });

  it('crops without resampling when the shorter side already fits', () => {
    const img = synth(7, 4, (x, y) => [x * 30 + y, 0, 0]);
    const x = preprocess(img, plain({ width: 4, height: 4, resize: 4 }));
    // left = round_half_even(1.5) = 2
    expect([...x.subarray(0, 4)]).toEqual([60, 90, 120, 150]);
    expect([...x.subarray(12, 16)]).toEqual([63, 93, 123, 153]);
  });

  it('keeps an image of the target size bit-exact', () => {
    const img = synth(5, 3, (x, y) => [x * 50 + y, y * 70, 255 - x]);
    const x = preprocess(img, plain({ width: 5, height: 3, resize: 300 }));
    for (let i = 0; i < 15; i++) expect(x[i]).toBe(img.data[4 * i]);
  });
});

describe('channels', () => {
  it('converts to ITU-R 601 luma for one-channel presets (gray stays exact)', () => {
    const img = synth(3, 1, (x) => [[255, 0, 0], [10, 20, 30], [77, 77, 77]][x] as [number, number, number]);
    const x = preprocess(img, PRESETS.mnist);
    expect(PRESETS.mnist.channels).toBe(1);
    const p = plain({ channels: 1, width: 3, height: 1, resize: 1, mean: [0], std: [1] });
    const y = preprocess(img, p);
    expect(y[0]).toBeCloseTo(0.299 * 255, 4);
    expect(y[1]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
    expect(y[2]).toBe(77);
    expect(x.length).toBe(28 * 28);
  });

  it('writes BGR planes when the preset asks', () => {
    const img = synth(2, 2, () => [1, 2, 3]);
    const x = preprocess(img, plain({ width: 2, height: 2, resize: 2, channelOrder: 'BGR' }));
    expect([...x]).toEqual([3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1]);
  });

  it('batches CHW images into NCHW', () => {
    const p = plain({ width: 2, height: 2, resize: 2 });
    const a = preprocess(synth(2, 2, () => [1, 2, 3]), p);
    const b = preprocess(synth(2, 2, () => [4, 5, 6]), p);
    const batch = batchImages([a, b], p);
    expect(batch.shape).toEqual([2, 3, 2, 2]);
    expect(batch.data[12]).toBe(4);
  });
});

describe('presetForInputShape', () => {
  it('knows CIFAR-10, ImageNet and MNIST shapes and makes custom ones', () => {
    expect(presetForInputShape(['N', 3, 32, 32]).id).toBe('cifar10');
    expect(presetForInputShape([1, 3, 224, 224]).id).toBe('imagenet');
    expect(presetForInputShape([1, 1, 28, 28]).id).toBe('mnist');
    const c = presetForInputShape(['batch', 3, 96, 128]);
    expect([c.id, c.channels, c.height, c.width, c.resize]).toEqual(['custom', 3, 96, 128, 96]);
    expect(() => presetForInputShape(['N', 5, 'H', 'W'])).toThrow(/1 or 3 channels/);
    expect(() => presetForInputShape(['N', 10])).toThrow(/not an image batch/);
  });
});
