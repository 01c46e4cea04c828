// Labels from file names, folders and labels files (txt, CSV, CIFAR's labels.json), and the
// errors for files that do not fit the images.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveLabels } from './labels';
import { CIFAR10_CLASSES } from './presets';
import { cifarLabelsJson, cifarTestDir, sharedMissing } from './test-paths';

describe('labels from file names', () => {
  it('matches class names (any case) and class numbers', () => {
    const r = resolveLabels(['test/0000_cat.png', 'test/0001_Ship.png', 'test/0002_3.png'], { classes: CIFAR10_CLASSES });
    expect(r.labels).toEqual([3, 8, 3]);
    expect(r.source).toMatch(/file names/);
  });

  it('uses the sorted names as classes when no class list is given', () => {
    const r = resolveLabels(['1_zebra.jpg', '2_ant.jpeg', '3_zebra.png']);
    expect(r.classes).toEqual(['ant', 'zebra']);
    expect(r.labels).toEqual([1, 0, 1]);
  });

  it('finds no labels in plain names', () => {
    const r = resolveLabels(['a.png', 'b.png'], { classes: CIFAR10_CLASSES });
    expect(r.source).toBe('none');
    expect(r.labels).toEqual([undefined, undefined]);
  });
});

describe('labels from folders', () => {
  const paths = ['data/dog/x1.png', 'data/cat/x2.png', 'data/cat/sub.jpg'];

  it('matches folder names to the class list', () => {
    const r = resolveLabels(paths, { classes: CIFAR10_CLASSES });
    expect(r.labels).toEqual([5, 3, 3]);
    expect(r.source).toBe('folder per class');
  });

  it('uses sorted folder names as classes without a class list', () => {
    const r = resolveLabels(paths);
    expect(r.classes).toEqual(['cat', 'dog']);
    expect(r.labels).toEqual([1, 0, 0]);
  });

  it('ignores one shared folder when there is no class list', () => {
    expect(resolveLabels(['imgs/a.png', 'imgs/b.png']).source).toBe('none');
  });
});

describe('labels files', () => {
  const paths = ['b.png', 'a.png', 'c.png'];

  it('labels.txt: one label per line in sorted file order', () => {
    const r = resolveLabels(paths, { classes: CIFAR10_CLASSES, labelsFile: { name: 'labels.txt', text: 'cat\n9\n\nbird\n' } });
    expect(r.labels).toEqual([9, 3, 2]);
  });

  it('labels.txt: the wrong number of lines is an error that says what is needed', () => {
    expect(() => resolveLabels(paths, { labelsFile: { name: 'labels.txt', text: 'cat\ndog\n' } })).toThrow(
      /labels.txt: has 2 labels but there are 3 images/,
    );
  });

  it('CSV file,label with a header; names match by base name', () => {
    const text = 'file,label\nc.png,truck\na.png,airplane\nsub/b.png,1\n';
    const r = resolveLabels(['x/b.png', 'a.png', 'c.png'], { classes: CIFAR10_CLASSES, labelsFile: { name: 'l.csv', text } });
    expect(r.labels).toEqual([undefined, 0, 9]);
    const r2 = resolveLabels(['sub/b.png'], { classes: CIFAR10_CLASSES, labelsFile: { name: 'l.csv', text } });
    expect(r2.labels).toEqual([1]);
  });

  it('CSV: an unknown class name is an error naming it', () => {
    expect(() => resolveLabels(['a.png'], { classes: CIFAR10_CLASSES, labelsFile: { name: 'l.csv', text: 'a.png,unicorn' } })).toThrow(
      /label "unicorn" is not one of the classes/,
    );
  });

  it('JSON: a plain array and a file → label map', () => {
    const arr = resolveLabels(paths, { labelsFile: { name: 'labels.json', text: '[2, 0, 1]' } });
    expect(arr.labels).toEqual([0, 2, 1]);
    const map = resolveLabels(paths, { classes: CIFAR10_CLASSES, labelsFile: { name: 'labels.json', text: '{"a.png": "dog", "b.png": 4, "c.png": "cat"}' } });
    expect(map.labels).toEqual([4, 5, 3]);
  });

  it.skipIf(sharedMissing)("CIFAR-10 labels.json agrees with the test files' names", () => {
    const files = readdirSync(cifarTestDir).sort();
    const labelsFile = { name: 'labels.json', text: readFileSync(cifarLabelsJson, 'utf8') };
    const fromJson = resolveLabels(files.map((f) => `test/${f}`), { labelsFile });
    expect(fromJson.source).toBe('labels.json (test)');
    expect(fromJson.classes).toEqual(CIFAR10_CLASSES);
    const fromNames = resolveLabels(files, { classes: CIFAR10_CLASSES });
    expect(fromJson.labels).toEqual(fromNames.labels);
    expect(fromJson.labels.length).toBe(1000);
  });
});
