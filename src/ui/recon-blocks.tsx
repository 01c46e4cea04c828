// The block partition with each block's planned caches for the current settings (size and
// storage, and the budget message of a run that cannot fit), and, during and after a run, each
// block's status, iterations, time left and loss (first window → last window); a finished block
// says when its caches were float16 and when it stopped early.
import { useShallow } from 'zustand/react/shallow';
import { initialBlocks, reconEta, stoppedEarly, type ReconBlockProgress } from '../state/recon-slice';
import { useStudio } from './app-context';
import { formatDuration, formatSig } from './format';
import { useNow } from './job-progress';
import type { CachePlanInfo } from '../worker/recon-api';

const STATUS: Record<ReconBlockProgress['status'], string> = {
  pending: 'pending',
  caching: 'caching',
  training: 'training',
  done: 'done',
  skipped: 'no weights',
  restored: 'from checkpoint',
};

export function ReconBlocks() {
  const run = useStudio((s) => (s.reconRun && s.reconRun.cfg.method === s.reconSettings.method ? s.reconRun : null));
  const listed = useStudio(useShallow((s) => (s.reconBlocksMethod === s.reconSettings.method ? s.reconBlocks : [])));
  const plan = useStudio((s) => (s.reconCachePlan?.method === s.reconSettings.method ? s.reconCachePlan : null));
  const planned = new Map(plan?.blocks.map((b) => [b.index, b]));
  const live = run !== null && (run.status === 'running' || run.status === 'paused');
  const now = useNow(live, 1000);
  const blocks = run ? run.blocks : initialBlocks(listed, 0);
  if (!blocks.length) return null;
  const blockEta = run && live ? reconEta(run, now).block : NaN;
  const iters = run?.cfg.iters;
  return (
    <>
      {plan && <CachePlanLine plan={plan} />}
      <div className="layers-scroll recon-blocks-scroll">
        <table className="layers recon-blocks" data-testid="recon-blocks">
          <thead>
            <tr>
              <th>#</th>
              <th>Block</th>
              <th>Kind</th>
              <th className="num">Layers</th>
              <th>Status</th>
              <th className="num">Iterations</th>
              <th className="num" title="Active time caching the block's inputs and outputs, then training it">
                Time
              </th>
              <th className="num">Loss first → last</th>
              <th className="num" title="Planned GPU memory of the block's cached inputs and outputs over the calibration images, and their storage, for a run with the current settings">
                Caches
              </th>
            </tr>
          </thead>
          <tbody>
            {blocks.map((b) => {
              const current = live && run!.current === b.index;
              return (
                <tr key={b.index} data-block={b.index} data-status={b.status} className={current ? 'current' : undefined}>
                  <td className="muted">{b.index + 1}</td>
                  <td className="mono name" title={b.name}>
                    {b.name}
                  </td>
                  <td>{b.kind}</td>
                  <td className="num" title={b.layers.join('\n')}>
                    {b.layers.length}
                    {b.acts ? <span className="muted"> · {b.acts} act</span> : null}
                  </td>
                  <td className={`block-status block-${b.status}`}>
                    {STATUS[b.status]}
                    {b.status === 'caching' && b.cacheTotal ? ` ${b.cacheDone}/${b.cacheTotal}` : ''}
                    {current && b.status === 'training' && Number.isFinite(blockEta) ? <span className="muted"> · ETA {formatDuration(blockEta)}</span> : null}
                    {b.status === 'done' && b.cache === 'f16' ? <span className="muted" data-testid="block-f16" title="Its cached inputs and outputs did not fit the cache budget in float32"> · float16 caches</span> : null}
                    {run && stoppedEarly(run, b) ? <span className="muted" data-testid="block-early-stop" title="Its rounding was decided and its loss flat"> · stopped early at {b.itersDone} iterations</span> : null}
                  </td>
                  <td className="num">{iters && (b.itersDone || b.status === 'training') ? `${b.itersDone} / ${iters}` : ''}</td>
                  <td className="num" title={b.cacheMs + b.trainMs > 0 ? `caching ${formatDuration(b.cacheMs)}, training ${formatDuration(b.trainMs)}` : undefined}>
                    {b.cacheMs + b.trainMs > 0 ? formatDuration(b.cacheMs + b.trainMs) : ''}
                  </td>
                  <td className="num mono" data-testid={b.lastLoss !== null ? 'block-loss' : undefined}>
                    {b.lastLoss !== null ? `${formatSig(b.firstLoss ?? NaN)} → ${formatSig(b.lastLoss)}` : ''}
                  </td>
                  <PlannedCell p={planned.get(b.index)} />
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function PlannedCell({ p }: { p: CachePlanInfo['blocks'][number] | undefined }) {
  if (!p) return <td />;
  return (
    <td className={`num mono${p.precision ? '' : ' warn'}`} data-testid="block-cache-plan" data-precision={p.precision ?? 'none'}>
      {mib(p.bytes)} {p.precision === null ? 'does not fit' : p.precision === 'f16' ? 'float16' : 'float32'}
    </td>
  );
}

/** The plan in a line: images, the largest block's caches against the budget, how many blocks go float16; or why the run would stop. */
function CachePlanLine({ plan }: { plan: CachePlanInfo }) {
  const f16 = plan.blocks.filter((b) => b.precision === 'f16').length;
  return (
    <div className={plan.message ? 'warn' : 'muted'} role="status" data-testid="recon-cache-plan">
      {plan.message ??
        `Caches: ${plan.count} image${plan.count === 1 ? '' : 's'}, at most ${mib(plan.peak)} per block of the ${mib(plan.budget)} budget` +
          (f16 ? `; float16 for ${f16} of ${plan.blocks.length} blocks` : '')}
    </div>
  );
}
