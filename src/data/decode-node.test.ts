// Node decoding: real CIFAR PNGs, hand-built gray / 16-bit / palette PNGs, a JPEG, and the
// StudioErrors for files that are not images, truncated, damaged or empty.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { isStudioError } from '../engine/errors';
import { decodeImageNode } from './decode-node';
import { cifarTestDir, sharedMissing } from './test-paths';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  let c = 0xffffffff;
  for (const b of Buffer.concat([head.subarray(4), body])) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((c ^ 0xffffffff) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** A PNG written by hand (filter 0 on every row), independent of pngjs. */
function makePng(w: number, h: number, colorType: number, depth: number, rows: number[][], plte?: number[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  const raw = Buffer.concat(rows.map((r) => Buffer.from([0, ...r])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(plte ? [chunk('PLTE', Uint8Array.from(plte))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const rgba = (d: Uint8ClampedArray, i: number) => [...d.subarray(4 * i, 4 * i + 4)];

function expectBadImage(bytes: Uint8Array, name: string, what: RegExp): void {
  try {
    decodeImageNode(bytes, name);
  } catch (e) {
    expect(isStudioError(e) && e.code).toBe('bad-image');
    expect((e as Error).message).toContain(name);
    expect((e as Error).message).toMatch(what);
    return;
  }
  expect.fail(`${name} decoded without an error`);
}

describe.skipIf(sharedMissing)('CIFAR-10 test PNGs', () => {
  it('decode to 32×32 RGBA with opaque alpha and varied colors', () => {
    for (const f of ['0000_cat.png', '0001_ship.png', '0003_airplane.png']) {
      const img = decodeImageNode(readFileSync(join(cifarTestDir, f)), f);
      expect([img.width, img.height, img.data.length]).toEqual([32, 32, 4096]);
      const alpha = new Set(img.data.filter((_, i) => i % 4 === 3));
      expect([...alpha]).toEqual([255]);
      expect(new Set(img.data.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(30);
    }
  });
});

describe('PNG variants and JPEG', () => {
  it('expands 8-bit gray to RGBA', () => {
    const img = decodeImageNode(makePng(3, 1, 0, 8, [[0, 128, 255]]), 'gray.png');
    expect([rgba(img.data, 0), rgba(img.data, 1), rgba(img.data, 2)]).toEqual([[0, 0, 0, 255], [128, 128, 128, 255], [255, 255, 255, 255]]);
  });

  it('scales 16-bit RGB to 8 bits', () => {
    const img = decodeImageNode(makePng(1, 1, 2, 16, [[0xff, 0xff, 0x80, 0x80, 0, 0]]), 'deep.png');
    expect(rgba(img.data, 0)).toEqual([255, 128, 0, 255]);
  });

  it('looks up palette colors', () => {
    const plte = [10, 20, 30, 200, 100, 50];
    const img = decodeImageNode(makePng(2, 2, 3, 8, [[0, 1], [1, 0]], plte), 'pal.png');
    expect([rgba(img.data, 0), rgba(img.data, 1), rgba(img.data, 2)]).toEqual([[10, 20, 30, 255], [200, 100, 50, 255], [200, 100, 50, 255]]);
  });

  it('decodes a JPEG', () => {
    const data = new Uint8Array(16 * 8 * 4).map((_, i) => (i % 4 === 0 ? 200 : i % 4 === 3 ? 255 : 40));
    const bytes = jpeg.encode({ width: 16, height: 8, data }, 95).data;
    const img = decodeImageNode(bytes, 'x.jpg');
    expect([img.width, img.height]).toEqual([16, 8]);
    const [r, g, b] = rgba(img.data, 37);
    expect(Math.abs(r - 200) + Math.abs(g - 40) + Math.abs(b - 40)).toBeLessThan(12);
  });
});

describe('bad images', () => {
  const good = makePng(4, 4, 0, 8, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]);

  it('names a file that is not an image and its first bytes', () => {
    expectBadImage(new TextEncoder().encode('hello, I am text'), 'notes.png', /not a PNG or JPEG image \(starts with bytes 68 65 6c/);
  });

  it('reports an empty file', () => expectBadImage(new Uint8Array(0), 'empty.png', /empty \(0 bytes\)/));

  it('reports a truncated PNG', () => expectBadImage(good.subarray(0, good.length - 20), 'cut.png', /truncated/));

  it('reports a PNG with damaged image data', () => {
    const bad = Buffer.from(good);
    const idat = bad.indexOf('IDAT');
    for (let i = idat + 4; i < idat + 12; i++) bad[i] ^= 0x5a;
    expectBadImage(bad, 'damaged.png', /could not be decoded as PNG/);
  });

  it('reports a truncated JPEG', () => {
    const bytes = jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(99) }, 90).data;
    expectBadImage(bytes.subarray(0, bytes.length >> 1), 'half.jpg', /JPEG: truncated/);
  });
});
