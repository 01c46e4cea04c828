// The hostile corpus (issue 12): generateCorpus writes ≥ 100 cases into a temporary folder (nothing
// committed) — hostile-models.ts's models, and here devices, FIFOs, endless or looping symlinks,
// oversized sparse files, damaged images and folders, damaged model bytes and bad output paths.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { cifarTestDir, mnistImages, mnist8, resnet20 } from '../data/test-paths';
import { modelCases } from './hostile-models';
import type { HostileCase } from './hostile-run';

export interface Corpus {
  dir: string;
  cases: HostileCase[];
  /** Removes the folder and everything in it (FIFOs, sparse files, links included). */
  cleanup(): void;
}

/** Generates every case into a fresh folder under the system's temporary directory. */
export function generateCorpus(): Corpus {
  const dir = mkdtempSync(join(tmpdir(), 'quant-studio-hostile-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const images = join(dir, 'cifar4');
    mkdirSync(images);
    const pngs = readdirSync(cifarTestDir).filter((f) => f.endsWith('.png')).sort().slice(0, 4);
    for (const f of pngs) copyFileSync(join(cifarTestDir, f), join(images, f));
    const models = join(dir, 'models');
    mkdirSync(models);
    const cases = [
      ...modelCases(models, { resnet20: readFileSync(resnet20), mnist8: readFileSync(mnist8) }, images, mnistImages),
      ...fileCases(join(dir, 'files'), resnet20, images, join(images, pngs[0])),
    ];
    return { dir, cases, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** CRC-32 of PNG chunks (to patch an IHDR). */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function png(width: number, height: number, gray = false): Uint8Array {
  const p = new PNG({ width, height, colorType: gray ? 0 : 6, inputColorType: 6 });
  for (let i = 0; i < p.data.length; i++) p.data[i] = (i * 37) & 255;
  return PNG.sync.write(p, { colorType: gray ? 0 : 6, inputColorType: 6 });
}

/** A valid PNG whose header claims width × height. */
function pngClaiming(width: number, height: number): Uint8Array {
  const b = Uint8Array.from(png(2, 2));
  const dv = new DataView(b.buffer);
  dv.setUint32(16, width);
  dv.setUint32(20, height);
  dv.setUint32(29, crc32(b.subarray(12, 29)));
  return b;
}

function sparse(path: string, size: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
}

const mkfifo = (path: string) => spawnSync('mkfifo', [path]).status === 0;

/**
 * Writes the files into `dir` and returns their cases: `model` a valid CIFAR model, `images` a valid
 * folder of four CIFAR PNGs, `cifarSource` one such PNG to copy.
 */
function fileCases(dir: string, model: string, images: string, cifarSource: string): HostileCase[] {
  mkdirSync(dir, { recursive: true });
  const cases: HostileCase[] = [];
  const evalArgs = (m: string, imgs: string, ...more: string[]) => ['eval', '--model', m, '--images', imgs, '--limit', '4', '--batch', '4', ...more];
  const err = (id: string, what: string, args: string[], mentions: string[], fast = false) => cases.push({ id, what, args, expect: 'error', mentions, fast });
  const ok = (id: string, what: string, args: string[]) => cases.push({ id, what: `${what} (valid)`, args, expect: 'accept', mentions: [] });
  const p = (name: string) => join(dir, name);
  /** A copy of the valid image folder with `extra` added. */
  const folder = (name: string, extra: (d: string) => void, withImages = true): string => {
    const d = p(name);
    mkdirSync(d, { recursive: true });
    if (withImages) for (let i = 0; i < 2; i++) copyFileSync(cifarSource, join(d, `000${i}_cat.png`));
    extra(d);
    return d;
  };
  const fifo = mkfifo(p('model-fifo.onnx'));

  // Model paths that are not regular files, or too large.
  err('f-model-devzero', '--model /dev/zero', evalArgs('/dev/zero', images), ['/dev/zero']);
  symlinkSync('/dev/zero', p('zero-link.onnx'));
  err('f-model-link-devzero', '--model a symlink to /dev/zero', evalArgs(p('zero-link.onnx'), images), ['zero-link.onnx'], true);
  if (fifo) err('f-model-fifo', '--model a FIFO', evalArgs(p('model-fifo.onnx'), images), ['model-fifo.onnx'], true);
  err('f-model-dir', '--model a folder', evalArgs(images, images), [images]);
  symlinkSync(p('loop-b.onnx'), p('loop-a.onnx'));
  symlinkSync(p('loop-a.onnx'), p('loop-b.onnx'));
  err('f-model-link-loop', '--model a looping symlink', evalArgs(p('loop-a.onnx'), images), ['loop-a.onnx']);
  err('f-model-missing', '--model a missing file', evalArgs(p('missing.onnx'), images), ['missing.onnx']);
  sparse(p('huge.onnx'), 3 * 2 ** 30);
  err('f-model-3gib', 'a 3 GiB (sparse) model', evalArgs(p('huge.onnx'), images), ['huge.onnx', '2.0 GiB'], true);
  const bytes = readFileSync(model);
  const damaged: [string, string, Uint8Array][] = [
    ['f-model-half', 'a model cut in half', bytes.subarray(0, bytes.length >> 1)],
    ['f-model-10b', 'the first 10 bytes of a model', bytes.subarray(0, 10)],
    ['f-model-empty', 'an empty .onnx file', new Uint8Array(0)],
    ['f-model-random', '4 KiB of random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)],
    ['f-model-json', 'a JSON file named .onnx', new TextEncoder().encode('{"model": "resnet"}\n')],
    ['f-model-png', 'a PNG named .onnx', png(4, 4)],
  ];
  for (const [id, what, b] of damaged) {
    writeFileSync(p(`${id}.onnx`), b);
    err(id, what, evalArgs(p(`${id}.onnx`), images), [`${id}.onnx`]);
  }

  // Image paths and folders.
  err('f-images-devzero', '--images /dev/zero', evalArgs(model, '/dev/zero'), ['/dev/zero']);
  if (mkfifo(p('images-fifo'))) err('f-images-fifo', '--images a FIFO', evalArgs(model, p('images-fifo')), ['images-fifo']);
  err('f-img-link-devzero', 'an image that is a symlink to /dev/zero', evalArgs(model, folder('link-zero', (d) => symlinkSync('/dev/zero', join(d, '0009_dog.png')))), ['0009_dog.png'], true);
  const fifoDir = folder('fifo-image', (d) => mkfifo(join(d, '0009_dog.png')));
  err('f-img-fifo', 'an image that is a FIFO', evalArgs(model, fifoDir), ['0009_dog.png'], true);
  err('f-img-link-loop', 'an image that is a looping symlink', evalArgs(model, folder('link-loop', (d) => symlinkSync(join(d, '0009_dog.png'), join(d, '0009_dog.png')))), ['0009_dog.png']);
  err('f-img-empty', 'an empty .png', evalArgs(model, folder('empty-png', (d) => writeFileSync(join(d, '0009_dog.png'), ''))), ['0009_dog.png']);
  err('f-img-truncated', 'a PNG cut short', evalArgs(model, folder('cut-png', (d) => writeFileSync(join(d, '0009_dog.png'), readFileSync(cifarSource).subarray(0, 200)))), ['0009_dog.png']);
  err('f-img-text', 'a text file named .png', evalArgs(model, folder('text-png', (d) => writeFileSync(join(d, '0009_dog.png'), 'not an image\n'))), ['0009_dog.png']);
  err('f-img-huge-dims', 'a PNG claiming 100000×100000 pixels', evalArgs(model, folder('huge-dims', (d) => writeFileSync(join(d, '0009_dog.png'), pngClaiming(100000, 100000)))), ['0009_dog.png']);
  err('f-img-none', 'a folder without images', evalArgs(model, folder('no-images', (d) => writeFileSync(join(d, 'readme.txt'), 'x'), false)), ['no-images']);
  const jpg = jpeg.encode({ data: Buffer.alloc(32 * 32 * 4, 128), width: 32, height: 32 }, 90).data;
  err('f-img-jpeg-cut', 'a JPEG cut short', evalArgs(model, folder('cut-jpeg', (d) => writeFileSync(join(d, '0009_dog.jpg'), jpg.subarray(0, jpg.length >> 1)))), ['0009_dog.jpg']);
  const badLabels = folder('bad-labels', (d) => {
    for (const f of ['a.png', 'b.png']) copyFileSync(cifarSource, join(d, f));
    writeFileSync(join(d, 'labels.json'), '{"a.png": ');
  }, false);
  err('f-img-labels-json', 'a labels.json that is not JSON', evalArgs(model, badLabels), ['labels.json']);
  err('f-img-100mib', 'a 100 MiB (sparse) .png', evalArgs(model, folder('big-png', (d) => sparse(join(d, '0009_dog.png'), 100 * 2 ** 20))), ['0009_dog.png', '64.0 MiB'], true);
  ok('f-img-gray', 'a grayscale PNG among RGB ones', evalArgs(model, folder('gray', (d) => writeFileSync(join(d, '0009_dog.png'), png(32, 32, true)))));
  ok('f-img-jpeg', 'a JPEG among PNGs', evalArgs(model, folder('jpeg', (d) => writeFileSync(join(d, '0009_dog.jpg'), jpg))));
  err('f-labels-devzero', '--labels /dev/zero', evalArgs(model, images, '--labels', '/dev/zero'), ['/dev/zero']);
  if (mkfifo(p('labels-fifo.json'))) err('f-labels-fifo', '--labels a FIFO', evalArgs(model, images, '--labels', p('labels-fifo.json')), ['labels-fifo.json']);
  writeFileSync(p('t10k-images-idx3-ubyte'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]));
  err('f-mnist-cut', 'an MNIST idx file cut short', evalArgs(model, p('t10k-images-idx3-ubyte')), ['t10k-images-idx3-ubyte']);
  writeFileSync(p('bad-magic-idx3-ubyte'), new Uint8Array(64).fill(7));
  err('f-mnist-magic', 'a file that is neither images nor idx', evalArgs(model, p('bad-magic-idx3-ubyte')), ['bad-magic-idx3-ubyte']);

  // quantize: output paths and calibration sets.
  const q = (...more: string[]) => ['quantize', '--model', model, '--calib-count', '4', '--batch', '4', ...more];
  if (mkfifo(p('out-fifo.onnx'))) err('q-out-fifo', '--out a FIFO', q('--calib', images, '--out', p('out-fifo.onnx')), ['out-fifo.onnx'], true);
  err('q-out-devfull', '--out /dev/full', q('--calib', images, '--out', '/dev/full'), ['/dev/full']);
  err('q-calib-link-devzero', 'a calibration image linked to /dev/zero', q('--calib', p('link-zero'), '--out', p('q.onnx')), ['0009_dog.png']);
  err('q-calib-devzero', '--calib /dev/zero', q('--calib', '/dev/zero', '--out', p('q.onnx')), ['/dev/zero']);
  return cases;
}
