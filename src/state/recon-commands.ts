// The reconstruction commands (registered with the others in commands.ts): run, pause, resume,
// cancel, the drop-probability ablation, and resuming or discarding a saved checkpoint.
import type { Command } from './commands';
import type { StudioState } from './store';
import { anyJobRunning } from './quant-selectors';
import { checkpointFits } from './recon-checkpoints';
import { baseCalibration, cancelReconstruction, discardCheckpoint, parseDropList, pauseReconstruction, resumeReconstruction, runAblation, runReconstruction } from './jobs/recon';

/** Everything a run needs is there and nothing else is running. */
export const canReconstruct = (s: StudioState) =>
  s.modelLoading === null && !anyJobRunning(s) && s.ablation?.status !== 'running' && baseCalibration(s) !== null && s.calibImages.length > 0 && s.preset !== null && s.device.status === 'ready';

const reconRunning = (s: StudioState) => s.jobs.recon.status === 'running' && !s.jobs.recon.cancelRequested && s.reconRun?.jobId === s.jobs.recon.jobId;

export const reconCommands = {
  runRecon: {
    name: 'runRecon',
    label: 'Run',
    enabled: canReconstruct,
    perform: (ctx) => runReconstruction(ctx),
  } satisfies Command,

  pauseRecon: {
    name: 'pauseRecon',
    label: 'Pause',
    enabled: (s) => reconRunning(s) && s.reconRun?.status === 'running',
    perform: (ctx) => pauseReconstruction(ctx, true),
  } satisfies Command,

  resumeRecon: {
    name: 'resumeRecon',
    label: 'Resume',
    enabled: (s) => reconRunning(s) && s.reconRun?.status === 'paused',
    perform: (ctx) => pauseReconstruction(ctx, false),
  } satisfies Command,

  cancelRecon: {
    name: 'cancelRecon',
    label: 'Cancel',
    shortcut: 'Esc',
    keyTest: (e) => e.key === 'Escape',
    enabled: (s) => (s.jobs.recon.status === 'running' && !s.jobs.recon.cancelRequested) || (s.ablation?.status === 'running' && !s.ablation.stopRequested),
    perform: (ctx) => cancelReconstruction(ctx),
  } satisfies Command,

  runAblation: {
    name: 'runAblation',
    label: 'Run ablation',
    enabled: (s) => canReconstruct(s) && s.reconSettings.method !== 'nearest' && parseDropList(s.ablationText) !== undefined,
    perform: (ctx) => runAblation(ctx),
  } satisfies Command,

  resumeCheckpoint: {
    name: 'resumeCheckpoint',
    label: 'Resume reconstruction',
    enabled: (s) => {
      const base = baseCalibration(s);
      return canReconstruct(s) && s.reconCheckpoint !== null && base !== null && checkpointFits(s.reconCheckpoint, base.config);
    },
    perform: (ctx) => resumeReconstruction(ctx),
  } satisfies Command,

  discardCheckpoint: {
    name: 'discardCheckpoint',
    label: 'Discard',
    enabled: (s) => s.reconCheckpoint !== null && s.jobs.recon.status !== 'running',
    perform: (ctx) => discardCheckpoint(ctx),
  } satisfies Command,

  clearReconRuns: {
    name: 'clearReconRuns',
    label: 'Clear runs',
    enabled: (s) => s.reconRuns.length > 0 && s.ablation?.status !== 'running',
    perform: (ctx) => ctx.store.getState().clearReconRuns(),
  } satisfies Command,
};
