// Images to model feeds inside the worker: decode + preprocess a batch at a time (the next batch
// decodes while the current one runs), stack into NCHW, and read top-1 off the logits.
import { isStudioError } from '../engine/errors';
import type { HostTensor } from '../engine/types';
import { decodeImageBrowser } from '../data/decode-browser';
import { batchImages, preprocess } from '../data/image';
import type { Preset } from '../data/presets';
import type { ImageJob } from './api';

export interface ImageError {
  code: string;
  message: string;
}

/** A decoded, preprocessed image or the reason it could not be. */
export type Prepared = { id: number; name: string; x: Float32Array } | { id: number; name: string; error: ImageError };

export const isReadable = (p: Prepared): p is { id: number; name: string; x: Float32Array } => 'x' in p;

export async function prepare(images: ImageJob[], preset: Preset): Promise<Prepared[]> {
  return Promise.all(
    images.map(async (img): Promise<Prepared> => {
      try {
        return { id: img.id, name: img.name, x: preprocess(await decodeImageBrowser(img.blob, img.name), preset) };
      } catch (e) {
        const code = isStudioError(e) ? e.code : 'bad-image';
        return { id: img.id, name: img.name, error: { code, message: (e as Error).message || String(e) } };
      }
    }),
  );
}

/** Batches of `size` prepared images in order, each decoded while the previous one is in use. */
export async function* preparedBatches(images: ImageJob[], preset: Preset, size: number): AsyncGenerator<Prepared[]> {
  let next = prepare(images.slice(0, size), preset);
  for (let start = 0; start < images.length; start += size) {
    const batch = await next;
    const after = images.slice(start + size, start + 2 * size);
    next = after.length ? prepare(after, preset) : Promise.resolve([]);
    yield batch;
  }
}

/**
 * One NCHW feed from CHW images. A model with a fixed batch size `fixed` gets short batches filled:
 * with zeros for inference (the extra rows are ignored), or by repeating the batch's own images
 * when `repeat` (calibration, where zero images would bias the ranges).
 */
export function feed(xs: Float32Array[], preset: Preset, fixed: number, repeat = false): HostTensor {
  const rows = [...xs];
  for (let i = 0; fixed > 0 && rows.length < fixed; i++) rows.push(repeat ? xs[i % xs.length] : new Float32Array(xs[0].length));
  return batchImages(rows, preset);
}

/** The fixed batch size of the model's first input, or 0 when it is dynamic. */
export function fixedBatch(shape: (number | string)[]): number {
  return typeof shape[0] === 'number' ? shape[0] : 0;
}

/** The batch size to run: the model's fixed one, else the page's. */
export function runBatchSize(shape: (number | string)[], wanted: number): number {
  const fixed = fixedBatch(shape);
  return fixed > 0 ? fixed : Math.max(1, Math.floor(wanted));
}

/** Arg-max and its softmax probability for each row of [n, k] logits. */
export function top1(logits: Float32Array, n: number): { top1: number; prob: number }[] {
  const k = logits.length / n;
  const out = [];
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(row[j] - row[best]);
    out.push({ top1: best, prob: 1 / sum });
  }
  return out;
}
