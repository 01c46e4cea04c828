// The per-layer table: each weighted layer's bits (with an override: bits, or keep float) and,
// after calibration, the range, scale and SQNR of its weights (and SQuant's time) and of its input activations;
// sortable by any column, so the weak layers come to the top.
import { useMemo, useState } from 'react';
import type { QuantLayerPlan, QuantLayerRow, QuantStats } from '../worker/quant-api';
import { calibrationStale } from '../state/quant-selectors';
import { useApp, useStudio } from './app-context';
import { COLUMNS, sortRows, type ColumnKey, type JoinedRow } from './quant-layers-sort';
import { formatDb, formatRange, formatScale, formatSig, sqnrClass } from './format';

export function QuantLayersPanel() {
  const plan = useStudio((s) => s.quantPlan);
  const calibration = useStudio((s) => s.calibration);
  const stale = useStudio(calibrationStale);
  const [sort, setSort] = useState<{ key: ColumnKey; dir: 1 | -1 }>({ key: 'index', dir: 1 });
  const rows = useMemo(() => {
    const byName = new Map<string, QuantLayerRow>((calibration?.rows ?? []).map((r) => [r.name, r]));
    return sortRows(
      plan.map((p, index): JoinedRow => ({ index, plan: p, stats: byName.get(p.name) ?? null })),
      sort.key,
      sort.dir,
    );
  }, [plan, calibration, sort]);
  if (!plan.length) return null;
  const weakest = calibration ? Math.min(...calibration.rows.map((r) => Math.min(r.weight?.sqnrDb ?? Infinity, r.act?.sqnrDb ?? Infinity))) : null;
  return (
    <section className="panel" aria-label="Quantized layers">
      <div className="panel-head">
        <h2>Layers</h2>
        <span className="muted">
          {plan.length} weighted · {calibration ? `SQNR on one ${calibration.dataFree?.sampleSource === 'noise' ? 'noise' : calibration.dataFree ? 'evaluation' : 'calibration'} batch${weakest !== null && Number.isFinite(weakest) ? `, weakest ${formatDb(weakest)}` : ''}` : 'range, scale and SQNR after calibration'}
        </span>
        {stale && <span className="warn">(from the previous configuration)</span>}
      </div>
      <div className="layers-scroll quant-layers-scroll">
        <table className="layers quant-layers" data-testid="quant-layers">
          <thead>
            <tr>
              <th colSpan={5} />
              <th colSpan={4} className="group">
                Weights
              </th>
              <th colSpan={3} className="group">
                Input activations
              </th>
            </tr>
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} className={c.stat ? 'num' : undefined} aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined}>
                  <button type="button" className="sort" title={`Sort by ${c.title}`} data-sort={c.key} onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key ? (-s.dir as 1 | -1) : 1 }))}>
                    {c.label}
                    <span className="sort-mark">{sort.key === c.key ? (sort.dir === 1 ? '▲' : '▼') : ''}</span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <LayerRow key={r.plan.name} row={r} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function LayerRow({ row }: { row: JoinedRow }) {
  const { plan: p, stats } = row;
  return (
    <tr data-layer={p.name}>
      <td className="muted">{row.index + 1}</td>
      <td className="mono name" title={p.name}>
        {p.name}
        {p.first && <span className="tag">first</span>}
        {p.last && <span className="tag">last</span>}
      </td>
      <td>{p.opType}</td>
      <td>
        <WeightOverride plan={p} />
      </td>
      <td>
        <ActOverride plan={p} />
      </td>
      <StatCells s={stats?.weight ?? null} prefix="w" />
      {stats?.squantMs !== undefined ? (
        <td className="num mono" data-col="wSquant" data-value={stats.squantMs} title={`${stats.squantMoved ?? 0} weights moved off round to nearest`}>
          {formatSig(stats.squantMs)} ms
        </td>
      ) : (
        <td className="num muted">–</td>
      )}
      <StatCells s={stats?.act ?? null} prefix="a" title={stats?.actTensor ?? undefined} />
    </tr>
  );
}

function StatCells({ s, prefix, title }: { s: QuantStats | null; prefix: 'w' | 'a'; title?: string }) {
  if (!s) {
    return (
      <>
        <td className="num muted">–</td>
        <td className="num muted">–</td>
        <td className="num muted">–</td>
      </>
    );
  }
  return (
    <>
      <td className="num mono" title={title} data-col={`${prefix}Range`}>
        {formatRange(s.min, s.max)}
      </td>
      <td className="num mono" data-col={`${prefix}Scale`}>
        {formatScale(s.scale)}
      </td>
      <td className={`num mono ${sqnrClass(s.sqnrDb)}`} data-col={`${prefix}Sqnr`} data-value={s.sqnrDb} title={`${s.bits}-bit`}>
        {formatDb(s.sqnrDb)}
      </td>
    </>
  );
}

function WeightOverride({ plan }: { plan: QuantLayerPlan }) {
  const ctx = useApp();
  const o = useStudio((s) => s.quantConfig.overrides[plan.name]);
  const disabled = useStudio((s) => s.jobs.calib.status === 'running');
  if (plan.floatReason) return <span className="muted" data-col="floatReason" title={plan.floatReason}>float: {plan.floatReason}</span>;
  const value = o?.float ? 'float' : o?.wBits !== undefined ? String(o.wBits) : '';
  const set = (v: string) => ctx.store.getState().setOverride(plan.name, v === 'float' ? { float: true } : v ? { ...o, float: undefined, wBits: Number(v) } : o?.aBits !== undefined ? { aBits: o.aBits } : null);
  return (
    <select className="cell-select" aria-label={`Weight bits of ${plan.name}`} value={value} disabled={disabled} onChange={(e) => set(e.target.value)}>
      <option value="">{value === '' ? `auto · ${plan.wBits}` : 'auto'}</option>
      {[2, 3, 4, 5, 6, 7, 8].map((b) => (
        <option key={b} value={b}>
          {b}
        </option>
      ))}
      <option value="float">float</option>
    </select>
  );
}

function ActOverride({ plan }: { plan: QuantLayerPlan }) {
  const ctx = useApp();
  const o = useStudio((s) => s.quantConfig.overrides[plan.name]);
  const disabled = useStudio((s) => s.jobs.calib.status === 'running');
  if (plan.aBits === null) return <span className="muted" title={plan.floatReason ?? (plan.wBits === null ? 'the layer is kept in float' : 'the network input is not quantized')}>float</span>;
  const value = o?.aBits !== undefined ? String(o.aBits) : '';
  const set = (v: string) => ctx.store.getState().setOverride(plan.name, { ...o, aBits: v ? Number(v) : undefined });
  return (
    <select className="cell-select" aria-label={`Input activation bits of ${plan.name}`} value={value} disabled={disabled} onChange={(e) => set(e.target.value)}>
      <option value="">{value === '' ? `auto · ${plan.aBits}` : 'auto'}</option>
      {[2, 3, 4, 5, 6, 7, 8].map((b) => (
        <option key={b} value={b}>
          {b}
        </option>
      ))}
    </select>
  );
}
