// Reader for IDX files (the MNIST format; gzip allowed): the images as 8-bit gray planes,
// viewable as RawImage, and the labels.
import { gunzipSync } from 'fflate';
import { StudioError } from '../engine/errors';
import type { RawImage } from './image';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** A stack of gray images: `pixels` holds count × height × width bytes. */
export interface GrayImages {
  count: number;
  height: number;
  width: number;
  pixels: Uint8Array;
}

function bad(name: string, what: string): StudioError {
  return new StudioError('bad-input', `${name} is not a valid IDX file: ${what}; use the MNIST files t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)`, name);
}

/** Parse an IDX file of unsigned bytes (type 0x08), gunzipping it first when needed. */
export function readIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw bad(name, `its gzip data is damaged (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw bad(name, 'it does not start with the IDX magic 00 00');
  if (bytes[2] !== 0x08) throw bad(name, `element type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) throw bad(name, 'its header is truncated');
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length < start + size) throw bad(name, `truncated: ${bytes.length - start} data bytes for dimensions ${dims.join('×')}`);
  return { dims, data: bytes.subarray(start, start + size) };
}

/** MNIST images (rank-3 IDX) and, when given, their labels (rank-1 IDX of the same count). */
export function readMnist(
  images: { bytes: Uint8Array; name: string },
  labels?: { bytes: Uint8Array; name: string },
): { images: GrayImages; labels?: Uint8Array } {
  const im = readIdx(images.bytes, images.name);
  if (im.dims.length !== 3) throw bad(images.name, `it has ${im.dims.length} dimensions, images need 3 (count, rows, columns)`);
  const [count, height, width] = im.dims;
  const set: GrayImages = { count, height, width, pixels: im.data };
  if (!labels) return { images: set };
  const lb = readIdx(labels.bytes, labels.name);
  if (lb.dims.length !== 1 || lb.dims[0] !== count) {
    throw bad(labels.name, `it holds ${lb.dims.join('×')} labels but ${images.name} has ${count} images`);
  }
  return { images: set, labels: lb.data };
}

/** Image i of the stack as RGBA (gray replicated, opaque). */
export function mnistImage(set: GrayImages, i: number): RawImage {
  const n = set.height * set.width;
  const data = new Uint8ClampedArray(4 * n);
  const src = set.pixels.subarray(i * n, (i + 1) * n);
  for (let k = 0; k < n; k++) {
    data[4 * k] = data[4 * k + 1] = data[4 * k + 2] = src[k];
    data[4 * k + 3] = 255;
  }
  return { width: set.width, height: set.height, data };
}
