// PNG and JPEG decoding in Node (pngjs, jpeg-js) to 8-bit RGBA; gray, palette and 16-bit PNGs
// are expanded to RGBA. Failures are StudioErrors that name the file and what to do.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { StudioError } from '../engine/errors';
import type { RawImage } from './image';
import { checkImageBytes, corrupt } from './image-format';

const MAX_MEGAPIXELS = 100;

export function decodeImageNode(bytes: Uint8Array, name: string): RawImage {
  const format = checkImageBytes(bytes, name);
  return format === 'png' ? decodePng(bytes, name) : decodeJpeg(bytes, name);
}

function decodePng(bytes: Uint8Array, name: string): RawImage {
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
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError('bad-image', `${name} cannot be read (${code ?? (e as Error).message}); check that it exists and is readable`, name);
  }
  return decodeImageNode(bytes, name);
}
