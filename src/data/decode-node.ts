// PNG and JPEG decoding in Node (pngjs, jpeg-js) to 8-bit RGBA; gray, palette and 16-bit PNGs
// are expanded to RGBA. Failures are StudioErrors that name the file and what to do.
import { readRegularFile } from './read-file-node';
import { StudioError } from '../engine/errors';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { RawImage } from './image';
import { checkImageBytes, corrupt } from './image-format';

const MAX_MEGAPIXELS = 100;

export function decodeImageNode(bytes: Uint8Array, name: string): RawImage {
  const format = checkImageBytes(bytes, name);
  return format === 'png' ? decodePng(bytes, name) : decodeJpeg(bytes, name);
}

function decodePng(bytes: Uint8Array, name: string): RawImage {
  // The header's size is checked before decoding: a small file can claim billions of pixels.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [w, h] = bytes.length >= 24 ? [dv.getUint32(16), dv.getUint32(20)] : [0, 0];
  if (w * h > MAX_MEGAPIXELS * 1e6) throw new StudioError('bad-image', `${name} claims ${w}×${h} pixels, more than the studio's limit of ${MAX_MEGAPIXELS} megapixels per image; downscale it or remove it from the folder`, name);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw corrupt(name, 'PNG', (e as Error).message || String(e));
  }
  const { width, height, data } = png;
  if (data.length !== width * height * 4) throw corrupt(name, 'PNG', `pixel data is ${data.length} bytes for ${width}×${height}`);
  return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}

function decodeJpeg(bytes: Uint8Array, name: string): RawImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
  } catch (e) {
    throw corrupt(name, 'JPEG', (e as Error).message || String(e));
  }
  const { width, height, data } = img;
  if (!width || !height || data.length !== width * height * 4) throw corrupt(name, 'JPEG', 'no pixel data');
  return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}

/** Read and decode an image file; the error names it by `name` (default: the path). */
export function decodeImageFile(path: string, name = path): RawImage {
  return decodeImageNode(readRegularFile(path, 'image', name), name);
}
