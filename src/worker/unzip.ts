// A chosen or dropped .zip, unpacked in the worker with fflate: its images (and a labels file or
// model) come back as Blobs with their paths inside the archive, prefixed by the archive's name.
import { unzipSync } from 'fflate';
import { isStudioError, StudioError } from '../engine/errors';
import { checkFileSize } from '../data/file-limits';
import type { UnzippedFile } from './quant-api';

const WANTED = /\.(png|jpe?g|webp|bmp|gif|txt|csv|json|onnx)$/i;

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', bmp: 'image/bmp', gif: 'image/gif' };

function skipped(path: string): boolean {
  const parts = path.split('/');
  return path.endsWith('/') || parts.some((p) => p.startsWith('.') || p === '__MACOSX') || !WANTED.test(path);
}

export async function unzipFiles(file: Blob, name: string): Promise<UnzippedFile[]> {
  checkFileSize(file.size, 'archive', name);
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new StudioError('bad-input', `${name} is not a .zip archive (it does not start with "PK"); choose a .zip of images, or the images themselves.`, name);
  }
  let files: Record<string, Uint8Array>;
  try {
    // Each entry is bounded by what it unpacks to, before it is inflated (a small archive can hold a huge file).
    files = unzipSync(bytes, { filter: (f) => !skipped(f.name) && (checkFileSize(f.originalSize, /\.(txt|csv|json)$/i.test(f.name) ? 'labels' : /\.onnx$/i.test(f.name) ? 'model' : 'image', `${name}/${f.name}`), true) });
  } catch (e) {
    if (isStudioError(e)) throw e;
    throw new StudioError('bad-input', `${name} could not be unpacked: ${(e as Error).message}. The archive may be damaged or use a compression other than deflate.`, name);
  }
  const base = name.replace(/\.zip$/i, '');
  const out = Object.entries(files).map(([path, data]) => ({
    path: `${base}/${path}`,
    blob: new Blob([data as Uint8Array<ArrayBuffer>], { type: MIME[path.split('.').pop()!.toLowerCase()] ?? '' }),
  }));
  if (!out.length) throw new StudioError('bad-input', `${name} holds no images (PNG, JPEG, WebP, BMP, GIF).`, name);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
