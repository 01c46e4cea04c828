// The block partition with each block's planned caches for the current settings (size and
// storage, and the budget message of a run that cannot fit), and, during and after a run, each
// block's status, iterations, time left and loss (first window → last window); a finished block
// says when its caches were float16 and when it stopped early.
import { useShallow } from 'zustand/react/shallow';
import { initialBlocks, reconEta, stoppedEarly, type ReconBlockProgress } from '../state/recon-slice';
import { useStudio } from './app-context';
import { DataTable, type Column } from './data-table';
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
  const isCurrent = (b: ReconBlockProgress) => live && run!.current === b.index;
  const columns: Column<ReconBlockProgress>[] = [
    { header: '#', cell: (b) => b.index + 1, td: { className: 'muted' } },
    { header: 'Block', cell: (b) => b.name, td: (b) => ({ className: 'mono name', title: b.name }) },
    { header: 'Kind', cell: (b) => b.kind },
    {
      header: 'Layers',
      num: true,
      cell: (b) => (
        <>
          {b.layers.length}
          {b.acts ? <span className="muted"> · {b.acts} act</span> : null}
        </>
      ),
      td: (b) => ({ title: b.layers.join('\n') }),
    },
    {
      header: 'Status',
      cell: (b) => (
        <>
          {b.status === 'skipped' && b.skipped ? <span title={b.skipped} data-testid="block-kept-nearest">kept round to nearest (too large for this GPU)</span> : STATUS[b.status]}
          {b.status === 'caching' && b.cacheTotal ? ` ${b.cacheDone}/${b.cacheTotal}` : ''}
          {isCurrent(b) && b.status === 'training' && Number.isFinite(blockEta) ? <span className="muted"> · ETA {formatDuration(blockEta)}</span> : null}
          {b.status === 'done' && b.cache === 'f16' ? <span className="muted" data-testid="block-f16" title="Its cached inputs and outputs did not fit the cache budget in float32"> · float16 caches</span> : null}
          {run && stoppedEarly(run, b) ? <span className="muted" data-testid="block-early-stop" title="Its rounding was decided and its loss flat"> · stopped early at {b.itersDone} iterations</span> : null}
        </>
      ),
      td: (b) => ({ className: `block-status block-${b.status}` }),
    },
    { header: 'Iterations', num: true, cell: (b) => (iters && (b.itersDone || b.status === 'training') ? `${b.itersDone} / ${iters}` : '') },
    {
      header: 'Time',
      title: "Active time caching the block's inputs and outputs, then training it",
      num: true,
      cell: (b) => (b.cacheMs + b.trainMs > 0 ? formatDuration(b.cacheMs + b.trainMs) : ''),
      td: (b) => ({ title: b.cacheMs + b.trainMs > 0 ? `caching ${formatDuration(b.cacheMs)}, training ${formatDuration(b.trainMs)}` : undefined }),
    },
    {
      header: 'Loss first → last',
      num: true,
      cell: (b) => (b.lastLoss !== null ? `${formatSig(b.firstLoss ?? NaN)} → ${formatSig(b.lastLoss)}` : ''),
      td: (b) => ({ className: 'mono', 'data-testid': b.lastLoss !== null ? 'block-loss' : undefined }),
    },
    {
      header: 'Caches',
      title: "Planned GPU memory of the block's cached inputs and outputs over the calibration images, and their storage, for a run with the current settings",
      num: true,
      cell: (b) => plannedText(planned.get(b.index)),
      td: (b) => plannedAttrs(planned.get(b.index)),
    },
  ];
  return (
    <>
      {plan && <CachePlanLine plan={plan} />}
      <div className="layers-scroll recon-blocks-scroll">
        <DataTable
          className="layers recon-blocks"
          data-testid="recon-blocks"
          columns={columns}
          rows={blocks}
          rowKey={(b) => b.index}
          row={(b) => ({ 'data-block': b.index, 'data-status': b.status, className: isCurrent(b) ? 'current' : undefined })}
        />
      </div>
    </>
  );
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

type PlannedBlock = CachePlanInfo['blocks'][number] | undefined;

const plannedText = (p: PlannedBlock) => (p ? (p.skipped ? 'none: kept round to nearest' : `${mib(p.bytes)} ${p.precision === null ? 'does not fit' : p.precision === 'f16' ? 'float16' : 'float32'}`) : null);

const plannedAttrs = (p: PlannedBlock) =>
  p ? { className: `mono${p.precision || p.skipped ? '' : ' warn'}`, 'data-testid': 'block-cache-plan', 'data-precision': p.skipped ? 'skipped' : (p.precision ?? 'none'), ...(p.skipped ? { title: p.skipped } : {}) } : {};

/** The plan in a line: images, the largest block's caches against the budget, how many blocks go float16; or why the run would stop. */
function CachePlanLine({ plan }: { plan: CachePlanInfo }) {
  const f16 = plan.blocks.filter((b) => b.precision === 'f16').length;
  const skipped = plan.blocks.filter((b) => b.skipped).length;
  return (
    <div className={plan.message ? 'warn' : 'muted'} role="status" data-testid="recon-cache-plan">
      {plan.message ??
        `Caches: ${plan.count} image${plan.count === 1 ? '' : 's'}, at most ${mib(plan.peak)} per block of the ${mib(plan.budget)} budget` +
          (f16 ? `; float16 for ${f16} of ${plan.blocks.length} blocks` : '') +
          (skipped ? `; ${skipped} block${skipped === 1 ? '' : 's'} kept at round to nearest: a layer's weights exceed what this GPU binds at once` : '')}
    </div>
  );
}
