// The calibration images as a lazily decoded stream of NCHW batches, one pass per observer pass.
// Unreadable images are left out (and listed); batches are kept for later passes only while they
// fit a memory budget, otherwise each pass decodes again, so memory stays bounded.
import type { HostTensor } from '../engine/types';
import type { Preset } from '../data/presets';
import type { ImageJob } from './api';
import { feed, isReadable, preparedBatches } from './batches';

/** Preprocessed calibration data kept between passes, at most this many bytes. */
const CACHE_BYTES = 192 * 2 ** 20;

export interface CalibSource {
  /** One pass over the images (what calibrate()'s `batches` calls). */
  batches: () => AsyncGenerator<HostTensor>;
  batchCount: number;
  /** The first batch (for the per-layer report), once a pass has produced it. */
  first: () => HostTensor | null;
  /** Images that went in, after the first pass. */
  used: () => number;
  failed: { name: string; message: string }[];
}

export function calibSource(images: ImageJob[], preset: Preset, size: number, fixed: number): CalibSource {
  const failed: { name: string; message: string }[] = [];
  const perImage = 4 * preset.channels * preset.height * preset.width;
  const cacheable = images.length * perImage <= CACHE_BYTES;
  let cache: HostTensor[] | null = null;
  let first: HostTensor | null = null;
  let used = 0;
  let passes = 0;

  async function* decode(): AsyncGenerator<HostTensor> {
    const firstPass = passes++ === 0;
    const kept: HostTensor[] = [];
    for await (const batch of preparedBatches(images, preset, size)) {
      const ok = batch.filter(isReadable);
      if (firstPass) {
        for (const p of batch) if (!isReadable(p)) failed.push({ name: p.name, message: p.error.message });
        used += ok.length;
      }
      if (!ok.length) continue;
      const t = feed(
        ok.map((p) => p.x),
        preset,
        fixed,
        true,
      );
      first ??= t;
      if (cacheable) kept.push(t);
      yield t;
    }
    if (cacheable) cache = kept;
  }

  async function* replay(from: HostTensor[]): AsyncGenerator<HostTensor> {
    for (const t of from) yield t;
  }

  return {
    batches: () => (cache ? replay(cache) : decode()),
    batchCount: Math.ceil(images.length / size),
    first: () => first,
    used: () => used,
    failed,
  };
}
