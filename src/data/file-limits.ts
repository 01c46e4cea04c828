// Size bounds on every file the studio and the CLI read, checked before a byte is read: a model,
// an image, a labels file, an archive of images, an MNIST idx file, a checkpoint.
import { StudioError } from '../engine/errors';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

export type FileKind = 'model' | 'image' | 'labels' | 'archive' | 'mnist' | 'checkpoint';

/** The bounds: a self-contained ONNX file cannot exceed protobuf's 2 GiB; the others are generous for their kind. */
export const FILE_LIMITS: Record<FileKind, number> = {
  model: 2 * GiB,
  image: 64 * MiB,
  labels: 16 * MiB,
  archive: 1 * GiB,
  mnist: 256 * MiB,
  checkpoint: 512 * MiB,
};

const WHAT: Record<FileKind, string> = {
  model: 'an ONNX model',
  image: 'an image',
  labels: 'a labels file',
  archive: 'a .zip of images',
  mnist: 'an MNIST idx file',
  checkpoint: 'a checkpoint',
};

const HINT: Record<FileKind, string> = {
  model: 'A model in one .onnx file cannot be larger (protobuf\'s limit); choose a smaller model',
  image: 'Downscale or re-encode the image (PNG or JPEG) and choose it again',
  labels: 'Give a labels file with one entry per image',
  archive: 'Split the images into several smaller .zip files, or choose the folder itself',
  mnist: 'Give the MNIST idx files themselves (train or t10k)',
  checkpoint: 'Delete the checkpoint folder and start the run again',
};

/** Bytes in words: 3.0 GiB, 64.0 MiB or 512 bytes. */
export function formatBytes(n: number): string {
  return n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/** Throws when a file of `size` bytes is over the bound of its kind (call it before reading the file). */
export function checkFileSize(size: number, kind: FileKind, name: string): void {
  const limit = FILE_LIMITS[kind];
  if (size > limit) {
    const shown = formatBytes(size) === formatBytes(limit) ? `${size} bytes` : formatBytes(size);
    throw new StudioError(kind === 'image' ? 'bad-image' : 'bad-input', `${name} is ${shown}, over the studio's limit of ${formatBytes(limit)} for ${WHAT[kind]}. ${HINT[kind]}.`, name);
  }
}
