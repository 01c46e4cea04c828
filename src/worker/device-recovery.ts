// The engine worker's answer to a lost GPU device: recreate the device and the loaded model's
// Session on it, and run the reconstruction again from its last finished block (the state kept in
// memory, the same one the page stores in IndexedDB after every block). Also the test-only hook
// that destroys the device mid-run, switched on by the page's ?test-hooks query and nothing else.
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import { isGpuLost, lostAt, MAX_RECOVERIES } from '../gpu/device-loss';
import type { Gpu } from '../gpu/gpu';
import type { QuantState } from '../quant/types';

/** Test-only switches: `?test-hooks=lose-device-in-block:K` destroys the device once, mid-block K (from 1). */
export interface TestHooks {
  loseDeviceInBlock?: number;
}

/** The hooks in the worker's name (the page passes its ?test-hooks query there); none in normal use. */
export function parseTestHooks(name: string): TestHooks {
  const m = /(?:^|\s)test-hooks=lose-device-in-block:(\d+)(?:\s|$)/.exec(name);
  return m ? { loseDeviceInBlock: Number(m[1]) } : {};
}

/** The worker name carrying the page's test hooks: `engine`, or `engine test-hooks=…` with ?test-hooks=… in the URL. */
export function workerName(search: string): string {
  const hooks = new URLSearchParams(search).get('test-hooks');
  return hooks ? `engine test-hooks=${hooks}` : 'engine';
}

let fired = false;

/** After a loss read-back: with the hook on, destroy the device once, in the middle of the named block. */
export function lossHook(hooks: TestHooks, gpu: Gpu, blockIndex: number): void {
  if (fired || hooks.loseDeviceInBlock !== blockIndex + 1) return;
  fired = true;
  gpu.device.destroy();
}

/** Where reconstruction continues: blocks finished, and the state after them. */
export interface ResumePoint {
  block: number;
  state: QuantState;
}

export interface SurviveOptions {
  session: Session;
  /** A new device and the loaded model's Session on it (the lost one released). */
  recreate: (lost: Session) => Promise<Session>;
  /** The session every later step must use. */
  onSession: (s: Session) => void;
  /** The device was recreated; the run continues at `block` (from 0). */
  onRecovered: (block: number, message: string) => void;
  /** Said when recoveries run out: how to continue. */
  stopAdvice: (block: number) => string;
  max?: number;
}

/**
 * Run `attempt` from `from()`; when the device is lost, recreate it and run again from the last
 * finished block, at most `max` times. Counter-based random numbers make the resumed run compute
 * what an uninterrupted one would.
 */
export async function surviveLoss<T>(opts: SurviveOptions, from: () => ResumePoint, attempt: (s: Session, p: ResumePoint) => Promise<T>): Promise<T> {
  const max = opts.max ?? MAX_RECOVERIES;
  let s = opts.session;
  for (let used = 0; ; used++) {
    try {
      return await attempt(s, from());
    } catch (e) {
      if (!isGpuLost(e)) throw e;
      lostAt(e, { phase: 'reconstruction' });
      s = await opts.recreate(s); // also when stopping: the page's next run needs a working device
      opts.onSession(s);
      const next = from().block;
      if (used >= max) {
        throw new StudioError('gpu-lost', `The GPU device was lost ${e.site?.block !== undefined ? `during block ${e.site.block + 1}` : 'during reconstruction'} (${e.info.reason}${e.info.message ? `: ${e.info.message}` : ''}), and it was recreated ${max} times in this run already, so the run stops here. ${opts.stopAdvice(next)}`);
      }
      opts.onRecovered(next, `GPU device was lost ${e.site?.block !== undefined ? `during block ${e.site.block + 1}` : 'during reconstruction'} (${e.info.reason}); recreated it and resumed at block ${next + 1} (recovery ${used + 1} of ${max}).`);
    }
  }
}

/** A loss during calibration (or another one-pass job): recreate the device, then say to run the step again. */
export async function lostOutside(e: unknown, what: string, s: Session, recreate: (lost: Session) => Promise<Session>): Promise<unknown> {
  if (!isGpuLost(e)) return e;
  await recreate(s);
  return new StudioError('gpu-lost', `The GPU device was lost during ${what} (${e.info.reason}${e.info.message ? `: ${e.info.message}` : ''}). It has been recreated and the model reloaded on it: run the ${what} again.`);
}
