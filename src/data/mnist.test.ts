// The IDX reader on the shared MNIST test set and on small hand-made files.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { mnistImage, readIdx, readMnist } from './mnist';
import { mnistImages, mnistLabels, sharedMissing } from './test-paths';

function idx(dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]);
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...data]);
}

describe.skipIf(sharedMissing)('MNIST test set', () => {
  it('reads 10000 images of 28×28 and their labels', () => {
    const { images, labels } = readMnist(
      { bytes: readFileSync(mnistImages), name: 't10k-images' },
      { bytes: readFileSync(mnistLabels), name: 't10k-labels' },
    );
    expect([images.count, images.height, images.width]).toEqual([10000, 28, 28]);
    expect([...labels!.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    const counts = new Array(10).fill(0);
    for (const l of labels!) counts[l]++;
    expect(counts.every((c) => c > 800 && c < 1200)).toBe(true);
    const img = mnistImage(images, 0);
    expect([img.width, img.height]).toEqual([28, 28]);
    expect(img.data[0]).toBe(0); // MNIST has black borders
    expect(Math.max(...img.data.filter((_, i) => i % 4 === 0))).toBe(255);
  });
});

describe('IDX files', () => {
  it('reads plain and gzipped files and rejects bad ones', () => {
    const raw = idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const bytes of [raw, gzipSync(raw)]) {
      const a = readIdx(bytes, 'x.idx');
      expect(a.dims).toEqual([2, 2, 3]);
      expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
    const img = mnistImage(readMnist({ bytes: raw, name: 'x' }).images, 1);
    expect([...img.data.subarray(0, 8)]).toEqual([7, 7, 7, 255, 8, 8, 8, 255]);
    expect(() => readIdx(raw.subarray(0, raw.length - 1), 'cut.idx')).toThrow(/cut.idx is not a valid IDX file: truncated/);
    expect(() => readIdx(new TextEncoder().encode('PK..'), 'z.zip')).toThrow(/IDX magic/);
    expect(() => readMnist({ bytes: raw, name: 'i' }, { bytes: idx([3], [0, 1, 2]), name: 'l' })).toThrow(/holds 3 labels but i has 2 images/);
  });
});
