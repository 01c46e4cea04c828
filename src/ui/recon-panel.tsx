// Reconstruct: after calibration, learn the rounding (AdaRound / BRECQ / QDrop) block by block in
// the worker: settings, Run / Pause / Resume / Cancel, progress with ETA, the blocks, the loss of
// each block streaming in and its flatness, the ablation over p, and a checkpoint to resume.
import { useMemo, useState } from 'react';
import { commands } from '../state/commands';
import { baseCalibration } from '../state/jobs/recon';
import { curvePoints } from '../state/recon-curves';
import { calibLabel, reconEta } from '../state/recon-slice';
import { checkpointFits } from '../state/recon-checkpoints';
import { CommandButton, useStudio } from './app-context';
import { JobProgress } from './job-progress';
import { AblationView, RunsTable } from './recon-ablation';
import { ReconBlocks } from './recon-blocks';
import { palette, CurveChart, type Series } from './recon-charts';
import { METHOD_LABELS, ReconConfigForm } from './recon-config';

export function ReconPanel() {
  const calibrated = useStudio((s) => baseCalibration(s) !== null);
  const checkpoint = useStudio((s) => s.reconCheckpoint !== null);
  if (!calibrated && !checkpoint) return null;
  return (
    <section className="panel recon-panel" aria-label="Reconstruct">
      <div className="panel-head">
        <h2>Reconstruct</h2>
        <span className="muted">learn the rounding block by block on the calibration images (AdaRound, BRECQ, QDrop)</span>
      </div>
      <CheckpointOffer />
      {calibrated && (
        <>
          <ReconConfigForm />
          <RunRow />
          <ReconProgress />
          <ReconBlocks />
          <RunCharts />
          <AblationView />
          <RunsTable />
        </>
      )}
    </section>
  );
}

function CheckpointOffer() {
  const c = useStudio((s) => s.reconCheckpoint);
  const base = useStudio(baseCalibration);
  const running = useStudio((s) => s.jobs.recon.status === 'running');
  if (!c || running) return null;
  const fits = base !== null && checkpointFits(c, base.config);
  return (
    <div className="banner recon-checkpoint" data-testid="recon-checkpoint">
      <span>
        A reconstruction of <span className="mono">{c.modelFile}</span> stopped after block {c.blocks} of {c.total} ({METHOD_LABELS[c.cfg.method].label}, {c.cfg.iters} iterations, p = {c.cfg.drop}, saved {new Date(c.savedAt).toLocaleString()}).
        {!fits && <span className="warn"> Calibrate {calibLabel(c.quant)} to resume it.</span>}
      </span>
      <span className="run-row">
        <CommandButton command={commands.resumeCheckpoint} variant="primary">
          Resume reconstruction (block {Math.min(c.blocks + 1, c.total)} of {c.total})
        </CommandButton>
        <CommandButton command={commands.discardCheckpoint} />
      </span>
    </div>
  );
}

function RunRow() {
  const method = useStudio((s) => s.reconSettings.method);
  const paused = useStudio((s) => s.reconRun?.status === 'paused');
  const blocks = useStudio((s) => (s.reconBlocksMethod === s.reconSettings.method ? s.reconBlocks.length : 0));
  // reconImages(s).length, without picking them on every store change
  const images = useStudio((s) => (baseCalibration(s) ? Math.min(s.calibImages.length, s.reconSettings.images) : 0));
  const reconstructed = useStudio((s) => s.calibration?.recon?.cfg ?? null);
  return (
    <div className="run-row recon-run-row">
      <CommandButton command={commands.runRecon} variant="primary">
        {method === 'nearest' ? 'Use the calibrated model' : `Run ${METHOD_LABELS[method].label}`}
      </CommandButton>
      {paused ? <CommandButton command={commands.resumeRecon} /> : <CommandButton command={commands.pauseRecon} />}
      <CommandButton command={commands.cancelRecon} variant="danger" />
      <span className="muted">
        {blocks ? `${blocks} block${blocks === 1 ? '' : 's'} · ` : ''}
        trains on {images} calibration image{images === 1 ? '' : 's'}
      </span>
      <span className="spacer" />
      <span className="muted" data-testid="recon-model">
        {reconstructed ? `model now: ${METHOD_LABELS[reconstructed.method].label}, p = ${reconstructed.drop}` : 'model now: calibrated, round to nearest'}
      </span>
    </div>
  );
}

function ReconProgress() {
  const run = useStudio((s) => s.reconRun);
  const paused = run?.status === 'paused';
  return (
    <>
      <JobProgress kind="recon" testId="recon" unit="iterations" paused={paused} etaMs={run ? (now) => reconEta(run, now).overall : undefined} />
      {run?.notices?.map((m, i) => (
        <div key={i} className="muted" role="status" data-testid="recon-notice">
          {m}
        </div>
      ))}
    </>
  );
}

/** The current (or last) run: loss per block against iteration, and the flatness of each block. */
function RunCharts() {
  const run = useStudio((s) => s.reconRun);
  const [showReg, setShowReg] = useState(false);
  const curves = run?.curves;
  const flatness = run?.flatnessCurves;
  const current = run && (run.status === 'running' || run.status === 'paused') ? run.current : -1;
  const n = run?.blocks.length ?? 0;
  const name = (b: number) => run?.blocks[b]?.name ?? `block ${b + 1}`;
  const loss = useMemo<Series[]>(
    () =>
      Object.entries(curves ?? {}).flatMap(([k, c]) => {
        const b = Number(k);
        const pts = curvePoints(c);
        const rec: Series = { key: `b${b}`, label: `${b + 1}`, color: palette(b, n), strong: b === current, points: pts.map((p) => ({ x: p.iter, y: p.rec })) };
        return showReg ? [rec, { key: `r${b}`, label: `${b + 1} reg`, color: palette(b, n), dashed: true, points: pts.map((p) => ({ x: p.iter, y: p.reg })) }] : [rec];
      }),
    [curves, current, n, showReg],
  );
  const flat = useMemo<Series[]>(
    () =>
      Object.entries(flatness ?? {}).map(([k, f]) => {
        const b = Number(k);
        return { key: `b${b}`, label: `${b + 1}`, color: palette(b, n), points: f.alphas.map((a, i) => ({ x: a, y: f.losses[i] })) };
      }),
    [flatness, n],
  );
  if (!run || run.cfg.method === 'nearest') return null;
  return (
    <div className="recon-charts">
      <div>
        <div className="chart-title muted run-row">
          <span>Reconstruction loss per block{current >= 0 ? ` · now ${current + 1}: ${name(current)}` : ''}</span>
          <span className="spacer" />
          <label className="check" title="The AdaRound rounding regulariser (dashed), zero during the warm-up">
            <input type="checkbox" checked={showReg} onChange={(e) => setShowReg(e.target.checked)} />
            regulariser
          </label>
        </div>
        <CurveChart series={loss} testId="recon-loss-chart" label="Reconstruction loss per block" xLabel="iteration" log xDomain={[0, run.cfg.iters]} legend={false} />
      </div>
      <div>
        <div className="chart-title muted">Flatness: block loss along a random weight direction</div>
        <CurveChart series={flat} testId="recon-flatness-chart" label="Flatness per block" xLabel="α" log legend={false} />
      </div>
    </div>
  );
}
