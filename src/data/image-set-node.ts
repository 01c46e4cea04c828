// Image sets on disk for the CLI: a folder of PNG/JPEG files (recursive, sorted) or an MNIST IDX
// file pair, read lazily in preprocessed NCHW batches so memory stays bounded.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readRegularFile, readRegularText } from './read-file-node';
import { basename, dirname, join } from 'node:path';
import { StudioError } from '../engine/errors';
import { decodeImageFile } from './decode-node';
import { batchImages, preprocess, type RawImage } from './image';
import { resolveLabels, type LabelsFile } from './labels';
import { mnistImage, readMnist } from './mnist';
import type { Preset } from './presets';

export interface ImageBatch {
  data: Float32Array;
  shape: number[];
  labels: (number | undefined)[];
  names: string[];
}

export interface ImageSet {
  kind: 'folder' | 'mnist';
  count: number;
  names: string[];
  labels: (number | undefined)[];
  classes: string[];
  labelSource: string;
  /** Preprocessed batches of at most `size` images, decoded only when reached. */
  batches(size: number): Generator<ImageBatch>;
}

export interface ImageSetOptions {
  limit?: number;
  /** A labels file (labels.txt, .csv, .json); by default one found beside the images is used. */
  labelsFile?: string;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;
const LABEL_FILES = ['labels.json', 'labels.csv', 'labels.txt'];

/** PNG/JPEG files under dir (recursive, hidden entries skipped), relative '/'-paths, sorted. */
export function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (IMAGE_EXT.test(e.name)) out.push(r);
    }
  };
  walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Open a folder of images or an MNIST images IDX file (its labels file found beside it). */
export function openImageSet(path: string, preset: Preset, opts: ImageSetOptions = {}): ImageSet {
  if (!existsSync(path)) throw new StudioError('bad-input', `${path} does not exist; give a folder of PNG/JPEG images or an MNIST idx file`, path);
  if (statSync(path).isDirectory()) return openFolder(path, preset, opts);
  if (IMAGE_EXT.test(path)) throw new StudioError('bad-input', `${path} is a single image; give the folder that holds the images`, path);
  return openMnist(path, preset, opts);
}

/** The batches of openImageSet(dir, preset, opts), `batch` images each (default 32). */
export function* loadImageSet(dir: string, preset: Preset, opts: ImageSetOptions & { batch?: number } = {}): Generator<ImageBatch> {
  yield* openImageSet(dir, preset, opts).batches(opts.batch ?? 32);
}

function readLabelsFile(path: string): LabelsFile {
  return { name: basename(path), text: readRegularText(path, 'labels') };
}

function openFolder(dir: string, preset: Preset, opts: ImageSetOptions): ImageSet {
  const all = listImages(dir);
  if (!all.length) throw new StudioError('bad-input', `${dir} holds no .png, .jpg or .jpeg images (hidden files and other types are skipped); give a folder of PNG/JPEG images or an MNIST idx file`, dir);
  // The folder's own name is part of each path so a labels.json split ("test") can be matched.
  const tagged = all.map((p) => `${basename(dir)}/${p}`);
  let resolved = resolveLabels(tagged, {
    classes: preset.classes,
    labelsFile: opts.labelsFile ? readLabelsFile(opts.labelsFile) : undefined,
  });
  if (resolved.source === 'none' && !opts.labelsFile) {
    const found = [dir, dirname(dir)].flatMap((d) => LABEL_FILES.map((f) => join(d, f))).find((f) => existsSync(f));
    if (found) resolved = resolveLabels(tagged, { classes: preset.classes, labelsFile: readLabelsFile(found) });
  }
  const n = Math.min(all.length, opts.limit ?? Infinity);
  const names = all.slice(0, n);
  return {
    kind: 'folder',
    count: n,
    names,
    labels: resolved.labels.slice(0, n),
    classes: resolved.classes,
    labelSource: resolved.source,
    batches: (size) => batchesOf(n, size, names, resolved.labels, preset, (i) => decodeImageFile(join(dir, names[i]), names[i])),
  };
}

function openMnist(path: string, preset: Preset, opts: ImageSetOptions): ImageSet {
  const name = basename(path);
  const labelPath = [path.replace('images-idx3', 'labels-idx1'), path.replace('images-idx3', 'labels-idx1').replace(/\.gz$/, '')]
    .filter((p) => p !== path)
    .find((p) => existsSync(p));
  const { images, labels } = readMnist(
    { bytes: readRegularFile(path, 'mnist'), name },
    labelPath ? { bytes: readRegularFile(labelPath, 'mnist'), name: basename(labelPath) } : undefined,
  );
  const n = Math.min(images.count, opts.limit ?? Infinity);
  const names = Array.from({ length: n }, (_, i) => `${name}#${i}`);
  const lab = Array.from({ length: n }, (_, i) => labels?.[i]);
  return {
    kind: 'mnist',
    count: n,
    names,
    labels: lab,
    classes: preset.classes ?? Array.from({ length: 10 }, (_, i) => String(i)),
    labelSource: labelPath ? basename(labelPath) : 'none',
    batches: (size) => batchesOf(n, size, names, lab, preset, (i) => mnistImage(images, i)),
  };
}

function* batchesOf(
  n: number,
  size: number,
  names: string[],
  labels: (number | undefined)[],
  preset: Preset,
  image: (i: number) => RawImage,
): Generator<ImageBatch> {
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    const chws: Float32Array[] = [];
    for (let i = start; i < end; i++) chws.push(preprocess(image(i), preset));
    const { data, shape } = batchImages(chws, preset);
    yield { data, shape, labels: labels.slice(start, end), names: names.slice(start, end) };
  }
}
