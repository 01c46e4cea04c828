// Image file checks shared by the Node and browser decoders: format sniffing from the first
// bytes and the StudioErrors for empty, unknown and damaged files.
import { StudioError } from '../engine/errors';

export const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

/** The format from the first bytes, or undefined when it is neither PNG nor JPEG. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

export function emptyImage(name: string): StudioError {
  return new StudioError('bad-image', `${name} is empty (0 bytes); copy the image again or remove it from the folder`, name);
}

export function notAnImage(name: string, head: Uint8Array): StudioError {
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return new StudioError(
    'bad-image',
    `${name} is not a PNG or JPEG image (starts with bytes ${hex}); convert it to PNG or JPEG or remove it from the folder`,
    name,
  );
}

/** Empty, unknown and truncated files throw; otherwise the format found. */
export function checkImageBytes(bytes: Uint8Array, name: string): ImageFormat {
  if (bytes.length === 0) throw emptyImage(name);
  const format = sniffImage(bytes);
  if (!format) throw notAnImage(name, bytes);
  if (format === 'png' && !hasPngEnd(bytes)) {
    throw corrupt(name, 'PNG', `truncated (${bytes.length} bytes, no IEND chunk at the end)`);
  }
  if (format === 'jpeg' && !hasJpegEnd(bytes)) {
    throw corrupt(name, 'JPEG', `truncated (${bytes.length} bytes, no end-of-image marker)`);
  }
  return format;
}

/** A PNG ends with the IEND chunk: length 0, "IEND", CRC. */
function hasPngEnd(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < PNG_MAGIC.length + 12) return false;
  return String.fromCharCode(bytes[n - 8], bytes[n - 7], bytes[n - 6], bytes[n - 5]) === 'IEND';
}

/** The end-of-image marker FF D9, allowing a little trailing padding after it. */
function hasJpegEnd(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= Math.max(2, bytes.length - 1024); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

export function corrupt(name: string, format: string, why: string): StudioError {
  return new StudioError(
    'bad-image',
    `${name} could not be decoded as ${format}: ${why}; the file is damaged — re-export or re-download it, or remove it from the folder`,
    name,
  );
}
