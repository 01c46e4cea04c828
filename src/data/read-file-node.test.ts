// File reads never hang and never read unbounded: a FIFO, a device, a symlink to one, a looping
// link and an oversized (sparse) file are refused at once, each with a message naming the file.
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFileSize, FILE_LIMITS } from './file-limits';
import { readRegularFile } from './read-file-node';
import { decodeImageFile } from './decode-node';

const dir = mkdtempSync(join(tmpdir(), 'qs-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasFifo = spawnSync('mkfifo', [join(dir, 'pipe.onnx')]).status === 0;

describe('readRegularFile', () => {
  it('reads a regular file whole', () => {
    writeFileSync(join(dir, 'ok.bin'), new Uint8Array([1, 2, 3]));
    expect([...readRegularFile(join(dir, 'ok.bin'), 'model')]).toEqual([1, 2, 3]);
  });

  it.skipIf(!hasFifo)('refuses a FIFO at once instead of waiting for a writer', () => {
    const t0 = Date.now();
    expect(() => readRegularFile(join(dir, 'pipe.onnx'), 'model', 'pipe.onnx')).toThrow(/pipe\.onnx .* is a named pipe \(FIFO\), not a regular file.*Give the path/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses /dev/zero and a symlink to it, and a looping link', () => {
    expect(() => readRegularFile('/dev/zero', 'image')).toThrow(/\/dev\/zero is a character device/);
    symlinkSync('/dev/zero', join(dir, 'zero.png'));
    expect(() => decodeImageFile(join(dir, 'zero.png'), 'zero.png')).toThrow(/zero\.png .*is a character device/);
    symlinkSync(join(dir, 'loop.png'), join(dir, 'loop.png'));
    expect(() => readRegularFile(join(dir, 'loop.png'), 'image', 'loop.png')).toThrow(/loop\.png is a symbolic link that loops/);
    expect(() => readRegularFile(dir, 'model', 'dir')).toThrow(/dir .*is a folder, not a regular file/);
  });

  it('refuses a file over its bound before reading it', () => {
    const fd = openSync(join(dir, 'big.png'), 'w');
    ftruncateSync(fd, FILE_LIMITS.image + 1);
    closeSync(fd);
    expect(() => readRegularFile(join(dir, 'big.png'), 'image', 'big.png')).toThrow(/big\.png is 67108865 bytes, over the studio's limit of 64\.0 MiB for an image\. Downscale/);
  });
});

describe('checkFileSize (the studio checks File objects with it before reading them)', () => {
  it('names the file, the bound and what to do', () => {
    expect(() => checkFileSize(2 ** 31 + 1, 'model', 'big.onnx')).toThrow(/big\.onnx is 2147483649 bytes, over the studio's limit of 2\.0 GiB for an ONNX model.*choose a smaller model/);
    expect(() => checkFileSize(2 * 2 ** 30, 'archive', 'imgs.zip')).toThrow(/imgs\.zip .* a \.zip of images\. Split/);
    expect(() => checkFileSize(1000, 'image', 'x.png')).not.toThrow();
  });
});
