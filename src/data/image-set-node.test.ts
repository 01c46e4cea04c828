// Folder listing and batched loading from disk: CIFAR-10 PNGs, MNIST IDX, nested folders.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listImages, loadImageSet, openImageSet } from './image-set-node';
import { PRESETS } from './presets';
import { cifarLabelsJson, cifarTestDir, mnistImages, sharedMissing } from './test-paths';

describe('listImages', () => {
  it('walks folders, keeps PNG/JPEG only, skips hidden entries and sorts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qs-list-'));
    mkdirSync(join(dir, 'b'));
    mkdirSync(join(dir, '.cache'));
    for (const f of ['z.PNG', 'a.jpg', 'notes.txt', 'b/c.jpeg', 'b/d.gif', '.cache/e.png']) writeFileSync(join(dir, f), '');
    expect(listImages(dir)).toEqual(['a.jpg', 'b/c.jpeg', 'z.PNG']);
  });
});

describe.skipIf(sharedMissing)('loading image sets', () => {
  it('streams CIFAR-10 PNGs in batches with labels from the file names', () => {
    const batches = [...loadImageSet(cifarTestDir, PRESETS.cifar10, { limit: 10, batch: 4 })];
    expect(batches.map((b) => b.shape)).toEqual([[4, 3, 32, 32], [4, 3, 32, 32], [2, 3, 32, 32]]);
    const want = (JSON.parse(readFileSync(cifarLabelsJson, 'utf8')) as { test: number[] }).test.slice(0, 10);
    expect(batches.flatMap((b) => b.labels)).toEqual(want);
    expect(batches[0].names[0]).toBe('0000_cat.png');
    expect(batches[2].data.length).toBe(2 * 3 * 32 * 32);
  });

  it('reads an MNIST idx file with the labels file beside it', () => {
    const set = openImageSet(mnistImages, PRESETS.mnist, { limit: 5 });
    expect([set.kind, set.count, set.labelSource]).toEqual(['mnist', 5, 't10k-labels-idx1-ubyte.gz']);
    const batches = [...set.batches(2)];
    expect(batches.map((b) => b.shape)).toEqual([[2, 1, 28, 28], [2, 1, 28, 28], [1, 1, 28, 28]]);
    expect(batches.flatMap((b) => b.labels)).toEqual([7, 2, 1, 0, 4]);
    expect(Math.max(...batches[0].data)).toBe(1);
  });

  it('finds a labels file beside a folder of unlabeled names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qs-set-'));
    mkdirSync(join(dir, 'imgs'));
    const png = readFileSync(join(cifarTestDir, '0000_cat.png'));
    for (const f of ['a.png', 'b.png']) writeFileSync(join(dir, 'imgs', f), png);
    writeFileSync(join(dir, 'labels.csv'), 'a.png,frog\nb.png,cat\n');
    const set = openImageSet(join(dir, 'imgs'), PRESETS.cifar10);
    expect([set.labels, set.labelSource]).toEqual([[6, 3], 'labels.csv (CSV)']);
  });

  it('says when the path does not exist or holds no images', () => {
    expect(() => openImageSet('/nonexistent/qs', PRESETS.cifar10)).toThrow(/does not exist/);
    expect(() => openImageSet(mkdtempSync(join(tmpdir(), 'qs-empty-')), PRESETS.cifar10)).toThrow(/holds no .png/);
  });
});
