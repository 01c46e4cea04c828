// The worker's device-loss recovery without a GPU: the test hook is off unless the page's URL asks
// for it, a lost device is recreated and the attempt rerun from the last finished block, and a
// loss after the allowed recoveries ends with a gpu-lost StudioError saying how to continue.
import { describe, expect, it } from 'vitest';
import type { Session } from '../engine/session';
import { GpuLostError, lostAt } from '../gpu/device-loss';
import type { QuantState } from '../quant/types';
import { parseTestHooks, surviveLoss, workerName, type ResumePoint } from './device-recovery';

const session = (n: number) => ({ id: n }) as unknown as Session;
const state = (n: number) => ({ tag: n }) as unknown as QuantState;

describe('test hooks', () => {
  it('are off in normal use and on only with ?test-hooks', () => {
    expect(workerName('')).toBe('engine');
    expect(workerName('?demo')).toBe('engine');
    expect(parseTestHooks(workerName('?demo'))).toEqual({});
    expect(workerName('?test-hooks=lose-device-in-block:2')).toBe('engine test-hooks=lose-device-in-block:2');
    expect(parseTestHooks(workerName('?test-hooks=lose-device-in-block:2'))).toEqual({ loseDeviceInBlock: 2 });
    expect(parseTestHooks('engine test-hooks=something-else')).toEqual({});
  });
});

describe('surviveLoss', () => {
  function harness(lossesAt: number[]) {
    let finished: ResumePoint = { block: 0, state: state(0) };
    const made: number[] = [];
    const notices: string[] = [];
    const starts: number[] = [];
    let current = session(0);
    const opts = {
      session: current,
      recreate: async () => session(made.push(made.length + 1)),
      onSession: (s: Session) => (current = s),
      onRecovered: (_b: number, m: string) => notices.push(m),
      stopAdvice: (b: number) => `Resume at block ${b + 1}.`,
    };
    const run = () =>
      surviveLoss(opts, () => finished, async (_s, from) => {
        starts.push(from.block);
        for (let b = from.block; b < 5; b++) {
          if (lossesAt[0] === b) {
            lossesAt.shift();
            throw lostAt(new GpuLostError({ reason: 'destroyed', message: 'device was destroyed' }), { phase: 'reconstruction', block: b, blockName: `b${b}` });
          }
          finished = { block: b + 1, state: state(b + 1) };
        }
        return finished.state;
      });
    return { run, made, notices, starts, current: () => current };
  }

  it('recreates the device and resumes at the block that was lost', async () => {
    const h = harness([2, 3]);
    expect(await h.run()).toEqual(state(5));
    expect(h.starts).toEqual([0, 2, 3]);
    expect(h.made).toEqual([1, 2]);
    expect(h.current()).toEqual(session(2));
    expect(h.notices).toEqual([
      'GPU device was lost during block 3 (destroyed); recreated it and resumed at block 3 (recovery 1 of 2).',
      'GPU device was lost during block 4 (destroyed); recreated it and resumed at block 4 (recovery 2 of 2).',
    ]);
  });

  it('stops after two recoveries with a gpu-lost error, the device recreated for the next run', async () => {
    const h = harness([1, 1, 1]);
    await expect(h.run()).rejects.toMatchObject({
      code: 'gpu-lost',
      message: 'The GPU device was lost during block 2 (destroyed: device was destroyed), and it was recreated 2 times in this run already, so the run stops here. Resume at block 2.',
    });
    expect(h.made).toEqual([1, 2, 3]);
  });

  it('passes other errors through', async () => {
    const opts = { session: session(0), recreate: async () => session(1), onSession: () => undefined, onRecovered: () => undefined, stopAdvice: () => '' };
    await expect(surviveLoss(opts, () => ({ block: 0, state: state(0) }), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
