// Surviving a lost GPU device in `quantize`: when calibration or reconstruction hits a lost device
// (GpuLostError), recreate the device, reopen the model from the same bytes on it and run the phase
// again — reconstruction from its last finished block (the --checkpoint file, or the state kept in
// memory). At most `max` recoveries per run; then a clear error says how to continue.
import { StudioError } from '../engine/errors';
import { Session } from '../engine/session';
import { isGpuLost, lostAt, MAX_RECOVERIES } from '../gpu/device-loss';
import type { Gpu } from '../gpu/gpu';
import { hasDynamicSize } from '../data/input-size';
import type { QuantState } from '../quant/types';
import type { PtqModel } from './ptq';

export interface RecoveryOptions {
  /** A fresh device (nodeGpu() in the CLI). */
  newGpu: () => Promise<Gpu>;
  /** Recoveries allowed in one run (default MAX_RECOVERIES). */
  max?: number;
  /** Told each time the device is recreated: what was lost, where, and where the run continues. */
  onRecover?: (message: string) => void;
}

/** Where reconstruction continues: the blocks finished and the state after them. */
export interface ResumePoint {
  block: number;
  state: QuantState;
}

/**
 * Reopen the model on a new device: the same bytes, the same input size. The old session and its
 * device are released (Gpu.destroy() frees every buffer and pipeline made on it, whatever the
 * session's dispose() managed); when the model cannot be opened on the new device, that device is
 * released instead and the error passes on.
 */
export async function reopen(m: PtqModel, gpu: Gpu): Promise<void> {
  const old = m.session;
  let s: Session;
  try {
    s = await Session.load(gpu, m.bytes, m.name);
    if (hasDynamicSize(m.inputInfo.shape)) s.setInputShape(m.input, [1, m.preset.channels, m.preset.height, m.preset.width]);
  } catch (e) {
    gpu.destroy();
    throw e;
  }
  m.session = s;
  try {
    old.dispose();
  } catch {
    // a lost device may refuse even this; destroying it below frees what is left
  }
  old.gpu.destroy();
}

/** Counts recoveries over a whole run (calibration and reconstruction together). */
export class Recoverer {
  private used = 0;
  constructor(
    private readonly m: PtqModel,
    private readonly opts: RecoveryOptions | undefined,
  ) {}

  get recoveries(): number {
    return this.used;
  }

  /**
   * Run `attempt` until it finishes, recovering from a lost device in between. `next` says where a
   * rerun continues ("resumed at block 3"); `stopAdvice` what the user can do once recoveries run out.
   */
  async run<T>(phase: 'calibration' | 'reconstruction', attempt: () => Promise<T>, next: () => string, stopAdvice: () => string): Promise<T> {
    const max = this.opts?.max ?? MAX_RECOVERIES;
    for (;;) {
      try {
        return await attempt();
      } catch (e) {
        if (!isGpuLost(e)) throw e;
        lostAt(e, { phase });
        if (!this.opts || this.used >= max) {
          const tried = this.opts ? ` The device was recreated ${max === 1 ? 'once' : `${max} times`} in this run already, so it stops here.` : '';
          throw new StudioError('gpu-lost', `${e.message}.${tried} ${stopAdvice()}`);
        }
        this.used++;
        const where = next();
        await reopen(this.m, await this.opts.newGpu());
        this.opts.onRecover?.(`${e.message}; recreated it and ${where} (recovery ${this.used} of ${max})`);
      }
    }
  }
}
