// GPU device loss as an error of its own: what Gpu throws once its device is lost (driver reset,
// the browser reclaiming the GPU, `device.destroy()` from a test), and the block it hit.
// Recovery (src/cli/recover.ts, src/worker/device-recovery.ts) recreates the device and resumes.

/** Recoveries (device recreated, run resumed) allowed in one run, CLI and page alike. */
export const MAX_RECOVERIES = 2;

export interface LossInfo {
  /** GPUDeviceLostInfo.reason ('destroyed' or 'unknown'), or 'out-of-memory'. */
  reason: string;
  message: string;
}

/** Where a loss struck: the reconstruction block (index from 0) or the calibration. */
export interface LossSite {
  phase: 'calibration' | 'reconstruction';
  block?: number;
  blockName?: string;
}

/** The GPU device was lost: every GPU object is gone; finished work on the CPU is still good. */
export class GpuLostError extends Error {
  override name = 'GpuLostError';
  site?: LossSite;
  constructor(readonly info: LossInfo) {
    super(lossText(info));
  }
}

export function lossText(info: LossInfo): string {
  if (info.reason === 'out-of-memory') return `the GPU ran out of memory (${info.message || 'no detail'})`;
  return `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`;
}

export function isGpuLost(e: unknown): e is GpuLostError {
  return e instanceof Error && e.name === 'GpuLostError' && 'info' in e;
}

/** "during block 3 (layer1.1)" or "during calibration". */
export function siteText(site: LossSite | undefined): string {
  if (!site) return '';
  if (site.phase === 'calibration') return 'during calibration';
  return site.block === undefined ? 'during reconstruction' : `during block ${site.block + 1}${site.blockName ? ` (${site.blockName})` : ''}`;
}

/** Mark a loss with where it happened (the first mark wins); other errors pass through unchanged. */
export function lostAt(e: unknown, site: LossSite): unknown {
  if (isGpuLost(e) && !e.site) {
    e.site = site;
    e.message = `${lossText(e.info)} ${siteText(site)}`;
  }
  return e;
}

/**
 * Wait for `p`, but end as soon as the device is lost: a browser may leave a map or a
 * work-done promise of a lost device pending for ever, and a hang is worse than an error.
 */
export function unlessLost<T>(p: Promise<T>, lost: Promise<LossInfo>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    p.then(resolve, reject);
    void lost.then((info) => reject(new GpuLostError(info)));
  });
}
