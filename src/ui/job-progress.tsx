// Progress of a worker job (calibrate, reconstruct, evaluate, check in onnxruntime-web): a bar,
// status, phase, count, elapsed time and ETA, and a Cancel button that exists only while it runs.
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Command } from '../state/commands';
import type { QuantJobKind } from '../state/quant-results-slice';
import { CommandButton, useStudio } from './app-context';
import { eta, formatDuration } from './format';

interface Props {
  kind: QuantJobKind;
  /** data-testid prefix: `${testId}-progress`, `${testId}-status`. */
  testId: string;
  /** The Cancel button shown while the job runs (none when the caller places its own). */
  cancel?: Command;
  /** What `done` counts, e.g. "images" or "steps". */
  unit: string;
  /** Time left (ms, NaN unknown) when the job knows better than done/total, e.g. from measured rates. */
  etaMs?: (now: number) => number;
  /** A running job that is paused says so (and its ETA stands still). */
  paused?: boolean;
}

const STATUS_TEXT = { idle: '', running: 'running', done: 'done', cancelled: 'cancelled', failed: 'failed' } as const;

export function JobProgress({ kind, testId, cancel, unit, etaMs, paused }: Props) {
  const job = useStudio(useShallow((s) => s.jobs[kind]));
  const now = useNow(job.status === 'running');
  if (job.status === 'idle') return null;
  const elapsed = job.status === 'running' ? Math.max(0, now - job.startedAt) : job.ms;
  const left = etaMs ? etaMs(now) : eta(elapsed, job.done, job.total);
  const frac = job.total ? Math.min(1, job.done / job.total) : 0;
  const status = job.status === 'running' && job.cancelRequested ? 'cancelling…' : job.status === 'running' && paused ? 'paused' : STATUS_TEXT[job.status];
  return (
    <div className="progress-block job-progress" data-status={job.status} data-testid={`${testId}-progress`}>
      <div className="progress" role="progressbar" aria-label={`${kind} progress`} aria-valuemin={0} aria-valuemax={job.total} aria-valuenow={job.done}>
        <div className="progress-fill" style={{ width: `${(100 * frac).toFixed(2)}%` }} />
      </div>
      <div className="progress-stats">
        <span className={`status status-${job.status}`} data-testid={`${testId}-status`}>
          {status}
        </span>
        {job.phase && job.status === 'running' && <span className="muted">{job.phase}</span>}
        <span>
          {job.done} / {job.total} {unit}
        </span>
        <span>elapsed {formatDuration(elapsed)}</span>
        {job.status === 'running' && <span>ETA {Number.isNaN(left) ? '–' : formatDuration(left)}</span>}
        <span className="spacer" />
        {job.status === 'running' && cancel && <CommandButton command={cancel} variant="danger" />}
      </div>
    </div>
  );
}

/** The current time, refreshed every `ms` while `active`, so elapsed time and ETA tick between updates. */
export function useNow(active: boolean, ms = 500): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}
