// The per-layer table's columns and their sort keys: text columns sort by name, numeric ones by
// value with missing values (no quantizer, or not calibrated yet) always last.
import type { QuantLayerPlan, QuantLayerRow, QuantStats } from '../worker/quant-api';

export interface JoinedRow {
  index: number;
  plan: QuantLayerPlan;
  stats: QuantLayerRow | null;
}

export type ColumnKey = 'index' | 'name' | 'op' | 'wBits' | 'aBits' | 'wRange' | 'wScale' | 'wSqnr' | 'wSquant' | 'aRange' | 'aScale' | 'aSqnr';

interface Column {
  key: ColumnKey;
  label: string;
  title: string;
  /** A measured figure (right-aligned). */
  stat?: boolean;
  value: (r: JoinedRow) => number | string | null;
}

const width = (s: QuantStats | null | undefined) => (s ? s.max - s.min : null);

export const COLUMNS: Column[] = [
  { key: 'index', label: '#', title: 'model order', value: (r) => r.index },
  { key: 'name', label: 'Layer', title: 'layer name', value: (r) => r.plan.name },
  { key: 'op', label: 'Op', title: 'operator', value: (r) => r.plan.opType },
  { key: 'wBits', label: 'W', title: 'weight bits (float last)', value: (r) => r.plan.wBits ?? 32 },
  { key: 'aBits', label: 'A', title: 'input activation bits (float last)', value: (r) => r.plan.aBits ?? 32 },
  { key: 'wRange', stat: true, label: 'Range', title: 'weight range width', value: (r) => width(r.stats?.weight) },
  { key: 'wScale', stat: true, label: 'Scale', title: 'weight scale (mean over channels)', value: (r) => r.stats?.weight?.scale ?? null },
  { key: 'wSqnr', stat: true, label: 'SQNR', title: 'weight SQNR (weakest first)', value: (r) => r.stats?.weight?.sqnrDb ?? null },
  { key: 'wSquant', stat: true, label: 'SQuant', title: 'SQuant GPU time of the layer, ms (slowest first with ▼)', value: (r) => r.stats?.squantMs ?? null },
  { key: 'aRange', stat: true, label: 'Range', title: 'activation range width', value: (r) => width(r.stats?.act) },
  { key: 'aScale', stat: true, label: 'Scale', title: 'activation scale', value: (r) => r.stats?.act?.scale ?? null },
  { key: 'aSqnr', stat: true, label: 'SQNR', title: 'activation SQNR (weakest first)', value: (r) => r.stats?.act?.sqnrDb ?? null },
];

export function sortRows(rows: JoinedRow[], key: ColumnKey, dir: 1 | -1): JoinedRow[] {
  const col = COLUMNS.find((c) => c.key === key)!;
  return [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
    const c = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : x - y;
    return c !== 0 && !Number.isNaN(c) ? dir * c : a.index - b.index;
  });
}
