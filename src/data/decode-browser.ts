// Image decoding in the browser or a Web Worker: createImageBitmap + OffscreenCanvas to 8-bit
// RGBA, with the same file checks and StudioErrors as the Node decoder.
import type { RawImage } from './image';
import { checkImageBytes, corrupt, emptyImage, notAnImage, sniffImage } from './image-format';
import { checkFileSize } from './file-limits';

export async function decodeImageBrowser(blob: Blob, name: string): Promise<RawImage> {
  if (blob.size === 0) throw emptyImage(name);
  checkFileSize(blob.size, 'image', name);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  // PNG and JPEG get the exact checks (truncation); other formats the browser can decode
  // (WebP, BMP, GIF) are accepted when createImageBitmap succeeds.
  const known = sniffImage(bytes) !== undefined;
  if (known) checkImageBytes(bytes, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch (e) {
    if (!known) throw notAnImage(name, bytes);
    throw corrupt(name, sniffImage(bytes) === 'png' ? 'PNG' : 'JPEG', (e as Error).message || String(e));
  }
  try {
    const { width, height } = bitmap;
    if (!width || !height) throw corrupt(name, 'an image', 'it has no pixels');
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw corrupt(name, 'an image', 'no 2D canvas is available in this browser to read its pixels');
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, width, height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}

/** Decode many files with bounded concurrency, keeping their order. */
export async function decodeImagesBrowser(files: { blob: Blob; name: string }[], concurrency = 4): Promise<RawImage[]> {
  const out: RawImage[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      out[i] = await decodeImageBrowser(files[i].blob, files[i].name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}
