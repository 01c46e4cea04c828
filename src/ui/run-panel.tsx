// The run bar: the image set (count, label source), Run and Cancel, a progress bar with
// elapsed time, ETA and throughput, and the accuracy so far when labels are known.
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { commands } from '../state/commands';
import { selectStats } from '../state/inference-slice';
import { CommandButton, useStudio } from './app-context';
import { eta, formatDuration, formatPercent } from './format';
import { FloatClassMaps } from './fidelity-view';

export function RunPanel() {
  const imageCount = useStudio((s) => s.images.length);
  const labelSource = useStudio((s) => s.labelSource);
  const labelsFile = useStudio((s) => s.labelsFile?.name);
  return (
    <section className="panel run-panel" aria-label="Run">
      <div className="run-row">
        <div className="run-set">
          <strong data-testid="image-count">{imageCount}</strong> image{imageCount === 1 ? '' : 's'}
          <span className="muted">
            {' '}
            · labels: {labelSource === 'none' ? 'unknown' : labelSource}
            {labelsFile && labelSource === 'none' ? ` (${labelsFile} did not match)` : ''}
          </span>
        </div>
        <CommandButton command={commands.clearImages} />
        <span className="spacer" />
        <CommandButton command={commands.run} variant="primary">
          Run float inference
        </CommandButton>
        <CommandButton command={commands.cancel} variant="danger" />
      </div>
      <Progress />
      <FloatClassMaps />
    </section>
  );
}

function Progress() {
  const run = useStudio(useShallow((s) => ({ status: s.run.status, done: s.run.done, total: s.run.total, startedAt: s.run.startedAt, ms: s.run.ms, cancelRequested: s.run.cancelRequested })));
  const stats = useStudio(useShallow(selectStats));
  const now = useNow(run.status === 'running');
  if (run.status === 'idle' && !run.total) return null;
  const elapsed = run.status === 'running' ? Math.max(0, now - run.startedAt) : run.ms;
  const left = eta(elapsed, run.done, run.total);
  const frac = run.total ? run.done / run.total : 0;
  const rate = elapsed > 0 ? (1000 * run.done) / elapsed : 0;
  const statusText = {
    idle: '',
    running: run.cancelRequested ? 'cancelling…' : 'running',
    done: 'done',
    cancelled: 'cancelled',
    failed: 'failed',
  }[run.status];
  return (
    <div className="progress-block" data-status={run.status} data-testid="progress">
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={run.total} aria-valuenow={run.done}>
        <div className="progress-fill" style={{ width: `${(100 * frac).toFixed(2)}%` }} />
      </div>
      <div className="progress-stats">
        <span className={`status status-${run.status}`} data-testid="run-status">
          {statusText}
        </span>
        <span>
          {run.done} / {run.total}
        </span>
        <span>elapsed {formatDuration(elapsed)}</span>
        {run.status === 'running' && <span>ETA {Number.isNaN(left) ? '–' : formatDuration(left)}</span>}
        <span>{rate ? `${rate.toFixed(rate < 10 ? 1 : 0)} img/s` : ''}</span>
        {stats.failed > 0 && <span className="bad">{stats.failed} unreadable</span>}
        <span className="spacer" />
        <Accuracy accuracy={stats.accuracy} correct={stats.correct} labeled={stats.labeled} />
      </div>
    </div>
  );
}

function Accuracy({ accuracy, correct, labeled }: { accuracy: number | null; correct: number; labeled: number }) {
  if (accuracy === null) return <span className="muted">accuracy: no labels</span>;
  return (
    <span className="accuracy">
      top-1{' '}
      <strong data-testid="accuracy" data-correct={correct} data-labeled={labeled}>
        {formatPercent(accuracy, 2)}
      </strong>{' '}
      <span className="muted">
        ({correct} / {labeled})
      </span>
    </span>
  );
}

/** The current time, refreshed every `ms` while `active`, so elapsed time and ETA tick between batches. */
function useNow(active: boolean, ms = 500): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}
