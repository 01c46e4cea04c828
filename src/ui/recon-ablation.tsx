// Comparing runs: the ablation over QDrop's drop probability p (a list of values run one after
// another, each from the calibrated model) with the loss and the flatness of each p side by side
// and the final top-1 of each; then every finished run in a table.
import { useMemo } from 'react';
import { commands } from '../state/commands';
import { meanFlatness, runLossLine } from '../state/recon-curves';
import type { Ablation, ReconRunRecord, RunAccuracy } from '../state/recon-slice';
import { CommandButton, useApp, useStudio } from './app-context';
import { DataTable, type Column } from './data-table';
import { palette, CurveChart, type Series } from './recon-charts';
import { METHOD_LABELS } from './recon-config';
import { formatDuration, formatPercent, formatSig } from './format';

/** Mean over the blocks of the last loss window. */
function finalLoss(r: ReconRunRecord): number | null {
  const xs = r.blocks.map((b) => b.lastLoss).filter((x): x is number => x !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function Accuracy({ top1, evaluating }: { top1: RunAccuracy | null; evaluating: boolean }) {
  if (evaluating) return <span className="muted">evaluating…</span>;
  if (!top1) return <span className="muted">–</span>;
  if (!top1.labeled) return <span title="no labels: agreement with the float model">{formatPercent(top1.agree / Math.max(1, top1.compared))} agr.</span>;
  return (
    <span>
      {formatPercent(top1.correct / top1.labeled)} <span className="muted">({top1.correct}/{top1.labeled})</span>
    </span>
  );
}

interface AblationRow {
  p: number;
  i: number;
  run: ReconRunRecord | null | undefined;
}

const finalLossText = (r: ReconRunRecord) => {
  const loss = finalLoss(r);
  return loss !== null ? formatSig(loss) : '';
};

const ablationColumns = (ablation: Ablation): Column<AblationRow>[] => [
  { header: 'p', num: true, cell: ({ p }) => p, td: { className: 'mono' } },
  { header: 'input p', num: true, cell: ({ p, run }) => (run ? run.cfg.inputDrop : ablation.alsoInput ? p : '–'), td: { className: 'mono' } },
  { header: 'Status', cell: ({ run }) => (run ? (run.evaluating ? 'evaluating' : run.status) : ablation.status === 'running' ? 'queued' : 'not run') },
  { header: 'Final loss', num: true, cell: ({ run }) => (run ? finalLossText(run) : ''), td: { className: 'mono' } },
  { header: 'Time', num: true, cell: ({ run }) => (run && run.ms ? formatDuration(run.ms) : '') },
  { header: 'Top-1', num: true, cell: ({ run }) => (run ? <Accuracy top1={run.top1} evaluating={run.evaluating} /> : ''), td: { 'data-testid': 'ablation-top1' } },
];

export function AblationView() {
  const ctx = useApp();
  const text = useStudio((s) => s.ablationText);
  const alsoInput = useStudio((s) => s.ablationAlsoInput);
  const ablation = useStudio((s) => s.ablation);
  const runs = useStudio((s) => s.reconRuns);
  const live = useStudio((s) => s.reconRun);
  const busy = useStudio((s) => s.ablation?.status === 'running');
  const rows = useMemo(() => {
    if (!ablation) return [];
    return ablation.values.map((p, i) => {
      const done = runs.find((r) => r.group?.id === ablation.id && r.group.index === i);
      const current = live?.group?.id === ablation.id && live.group.index === i ? live : null;
      return { p, i, run: done ?? current };
    });
  }, [ablation, runs, live]);
  const series = useMemo(() => {
    const n = rows.length;
    const loss: Series[] = [];
    const flat: Series[] = [];
    for (const { p, i, run } of rows) {
      if (!run) continue;
      const color = palette(i, n);
      loss.push({ key: `p${i}`, label: `p = ${p}`, color, points: runLossLine(run.curves, run.cfg.iters).map((q) => ({ x: q.iter, y: q.rec })) });
      const f = meanFlatness(run.flatnessCurves);
      if (f) flat.push({ key: `p${i}`, label: `p = ${p}`, color, points: f.alphas.map((a, k) => ({ x: a, y: f.losses[k] })) });
    }
    return { loss, flat };
  }, [rows]);
  return (
    <div className="ablation" aria-label="Ablation over the drop probability">
      <h3>Ablation: drop probability p</h3>
      <div className="run-row">
        <label className="field field-wide ablation-values">
          <span>Drop probabilities</span>
          <input type="text" spellCheck={false} value={text} disabled={busy} onChange={(e) => ctx.store.getState().setAblationText(e.target.value)} />
        </label>
        <label className="check" title="QDrop uses one p for the activation quantizers and the block input">
          <input type="checkbox" checked={alsoInput} disabled={busy} onChange={(e) => ctx.store.getState().setAblationAlsoInput(e.target.checked)} />
          also for the input
        </label>
        <CommandButton command={commands.runAblation} title="Run the settings above once per p, each from the calibrated model" />
      </div>
      {ablation && (
        <>
          <div className="recon-charts">
            <div>
              <div className="chart-title muted">Reconstruction loss, blocks one after another</div>
              <CurveChart series={series.loss} testId="ablation-loss-chart" label="Reconstruction loss per p" xLabel="iteration" log />
            </div>
            <div>
              <div className="chart-title muted">Flatness: mean block loss along a random direction</div>
              <CurveChart series={series.flat} testId="ablation-flatness-chart" label="Flatness per p" xLabel="α" log />
            </div>
          </div>
          <DataTable
            className="layers ablation-table"
            data-testid="ablation-table"
            data-status={ablation.status}
            columns={ablationColumns(ablation)}
            rows={rows}
            rowKey={(r) => r.i}
            row={({ p, run }) => ({ 'data-p': p, 'data-status': run?.status ?? 'queued', 'data-correct': run?.top1?.correct, 'data-labeled': run?.top1?.labeled })}
          />
        </>
      )}
    </div>
  );
}

const RUN_COLUMNS: Column<ReconRunRecord>[] = [
  { header: '#', cell: (r) => r.id, td: { className: 'muted' } },
  { header: 'Method', cell: (r) => METHOD_LABELS[r.cfg.method].label },
  { header: 'Calibration', cell: (r) => r.calib, td: { className: 'mono' } },
  { header: 'Iterations', num: true, cell: (r) => r.cfg.iters },
  { header: 'p', num: true, cell: (r) => r.cfg.drop, td: { className: 'mono' } },
  { header: 'input p', num: true, cell: (r) => r.cfg.inputDrop, td: { className: 'mono' } },
  { header: 'Seed', num: true, cell: (r) => r.cfg.seed },
  { header: 'Final loss', num: true, cell: finalLossText, td: { className: 'mono' } },
  { header: 'Time', num: true, cell: (r) => formatDuration(r.ms) },
  { header: 'Top-1', num: true, cell: (r) => <Accuracy top1={r.top1} evaluating={r.evaluating} /> },
];

export function RunsTable() {
  const runs = useStudio((s) => s.reconRuns);
  const current = useStudio((s) => s.calibration?.recon?.runId ?? null);
  if (!runs.length) return null;
  return (
    <div className="recon-runs">
      <div className="run-row">
        <h3>Finished runs</h3>
        <span className="spacer" />
        <CommandButton command={commands.clearReconRuns} />
      </div>
      <DataTable
        className="layers"
        data-testid="recon-runs"
        columns={RUN_COLUMNS}
        rows={runs}
        rowKey={(r) => r.id}
        row={(r) => ({ 'data-run': r.id, className: r.id === current ? 'current' : undefined, title: r.id === current ? 'the model evaluated and exported now' : undefined })}
      />
    </div>
  );
}
