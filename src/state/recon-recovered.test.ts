// A 'recovered' event (the worker recreated a lost GPU device and restarts a block): the block's
// progress and loss curve start over, and the run keeps the message for the page to show.
import { describe, expect, it } from 'vitest';
import { RECON_DEFAULTS } from '../recon/reconstruct';
import { curvePoints } from './recon-curves';
import { applyReconEvent, initialBlocks, runIterations, type ReconRun } from './recon-slice';

describe('recon run after a lost device', () => {
  it('restarts the block that was lost and keeps the notice', () => {
    const blocks = initialBlocks([0, 1, 2].map((index) => ({ index, name: `b${index}`, kind: 'residual' as const, layers: [], acts: 1 })), 0);
    let run: ReconRun = { id: 1, jobId: 1, cfg: { ...RECON_DEFAULTS, iters: 4, historyEvery: 2 }, flatness: null, calib: 'W2A4', group: null, status: 'running', startedAt: 0, ms: 0, startBlock: 0, blocks, curves: {}, flatnessCurves: {}, top1: null, evaluating: false, current: -1, lastTick: 0, pausedMs: 0, pausedAt: null };
    const pts = (from: number) => [0, 1].map((k) => ({ iter: from + k, rec: 1, reg: 0 }));
    run = applyReconEvent(run, { type: 'block-start', block: 0, total: 3 }, 0);
    run = applyReconEvent(run, { type: 'loss', block: 0, points: pts(0), itersDone: 2 }, 1);
    run = applyReconEvent(run, { type: 'loss', block: 0, points: pts(2), itersDone: 4 }, 2);
    run = applyReconEvent(run, { type: 'block-end', block: 0, iters: 4, seconds: 1, firstLoss: 1, lastLoss: 1, cache: 'f32' }, 3);
    run = applyReconEvent(run, { type: 'block-start', block: 1, total: 3 }, 4);
    run = applyReconEvent(run, { type: 'loss', block: 1, points: pts(0), itersDone: 2 }, 5);
    const message = 'GPU device was lost during block 2 (destroyed); recreated it and resumed at block 2 (recovery 1 of 2).';
    run = applyReconEvent(run, { type: 'recovered', block: 1, message }, 6);
    expect(run.notices).toEqual([message]);
    expect(run.blocks[0]).toMatchObject({ status: 'done', itersDone: 4 });
    expect(run.blocks[1]).toMatchObject({ status: 'pending', itersDone: 0 });
    expect(curvePoints(run.curves[1])).toEqual([]);
    expect(runIterations(run)).toEqual({ done: 4, total: 12 });
    run = applyReconEvent(run, { type: 'block-start', block: 1, total: 3 }, 7);
    run = applyReconEvent(run, { type: 'loss', block: 1, points: pts(0), itersDone: 2 }, 8);
    expect(curvePoints(run.curves[1]).map((p) => p.iter)).toEqual([0, 1]);
  });

  it('a block passed over for a layer too large to bind: skipped with its reason, a notice, its iterations counted', () => {
    const blocks = initialBlocks([0, 1].map((index) => ({ index, name: `b${index}`, kind: 'chain' as const, layers: [`l${index}`], acts: 1 })), 0);
    let run: ReconRun = { id: 1, jobId: 1, cfg: { ...RECON_DEFAULTS, iters: 4, historyEvery: 2 }, flatness: null, calib: 'W8A8', group: null, status: 'running', startedAt: 0, ms: 0, startBlock: 0, blocks, curves: {}, flatnessCurves: {}, top1: null, evaluating: false, current: -1, lastTick: 0, pausedMs: 0, pausedAt: null };
    const why = 'layer "l0" has 144 MiB of float32 weights, more than this GPU binds in one buffer (128 MiB): the block keeps round to nearest';
    run = applyReconEvent(run, { type: 'block-start', block: 0, total: 2 }, 0);
    run = applyReconEvent(run, { type: 'block-end', block: 0, iters: 0, seconds: 0, firstLoss: NaN, lastLoss: NaN, cache: 'f32', skipped: why }, 1);
    expect(run.blocks[0]).toMatchObject({ status: 'skipped', skipped: why, firstLoss: null });
    expect(run.notices).toEqual([`Block 1 (b0) passed over: ${why}.`]);
    expect(runIterations(run)).toEqual({ done: 4, total: 8 });
  });
});
