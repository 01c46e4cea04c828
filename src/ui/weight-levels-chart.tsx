// A histogram of one output channel's float weights (recharts) with the uniform grid (q − z)·s and
// the APoT grid ±L·α/M drawn as vertical lines at their real values; the chart says what it draws
// (bins, weights, level counts and the level values) in data attributes, for tests.
import { useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { WeightLevelsView } from '../worker/data-free-api';
import { formatDb, formatSig } from './format';

const AXIS = { fontSize: 10, fill: '#8b949e' };
export const UNIFORM_COLOR = '#58a6ff';
export const APOT_COLOR = '#f0883e';

interface Props {
  view: WeightLevelsView;
  height?: number;
}

export function WeightLevelsChart({ view, height = 220 }: Props) {
  const { counts, lo, width } = view;
  const hi = lo + counts.length * width;
  // the axis spans every level exactly (lo + n·width can round below the largest one, which recharts would drop)
  const domain: [number, number] = [Math.min(lo, view.uniform[0], view.apot?.[0] ?? lo), Math.max(hi, view.uniform[view.uniform.length - 1], view.apot?.[view.apot.length - 1] ?? hi)];
  // a step area: each bin from its left edge, the last one closed at hi
  const data = useMemo(() => [...counts.map((count, i) => ({ x: lo + i * width, count })), { x: hi, count: counts[counts.length - 1] ?? 0 }], [counts, lo, width, hi]);
  const weights = counts.reduce((a, b) => a + b, 0);
  const dense = view.uniform.length > 64;
  const label = `Weights of ${view.layer}, channel ${view.channel}, with the ${view.bits}-bit uniform${view.apot ? ' and APoT' : ''} levels`;
  return (
    <div
      className="chart weight-levels-chart"
      role="img"
      aria-label={label}
      data-testid="weight-levels-chart"
      data-layer={view.layer}
      data-channel={view.channel}
      data-current={view.current}
      data-bins={counts.length}
      data-weights={weights}
      data-uniform={view.uniform.length}
      data-apot={view.apot?.length ?? 0}
      data-levels={JSON.stringify({ uniform: view.uniform, apot: view.apot })}
    >
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={data} margin={{ top: 6, right: 10, bottom: 14, left: 0 }}>
          <CartesianGrid stroke="#2a323d" strokeDasharray="2 4" />
          <XAxis
            type="number"
            dataKey="x"
            domain={domain}
            tick={AXIS}
            tickFormatter={(v: number) => formatSig(v)}
            label={{ value: 'weight value', position: 'insideBottom', offset: -8, fontSize: 10, fill: '#8b949e' }}
          />
          <YAxis type="number" tick={AXIS} width={40} allowDecimals={false} />
          <Tooltip
            contentStyle={{ background: '#161b22', border: '1px solid #30363d', fontSize: 12 }}
            labelFormatter={(v) => `from ${formatSig(Number(v))}`}
            formatter={(v) => [String(v), 'weights']}
          />
          <Area type="stepAfter" dataKey="count" stroke="#8b949e" fill="#8b949e" fillOpacity={0.35} isAnimationActive={false} />
          {view.uniform.map((v, i) => (
            <ReferenceLine key={`u${i}`} x={v} className="level-uniform" stroke={UNIFORM_COLOR} strokeOpacity={dense ? 0.3 : 0.8} strokeDasharray="3 3" />
          ))}
          {view.apot?.map((v, i) => <ReferenceLine key={`a${i}`} x={v} className="level-apot" stroke={APOT_COLOR} strokeOpacity={0.9} />)}
        </ComposedChart>
      </ResponsiveContainer>
      <div className="legend-row">
        <span className="swatch" style={{ borderColor: UNIFORM_COLOR }} />
        uniform, {view.uniform.length} levels · SQNR {formatDb(view.uniformSqnrDb)}
        {view.current === 'uniform' && ' (in use)'}
        <span className="swatch solid" style={{ borderColor: APOT_COLOR }} />
        {view.apot && view.apotSqnrDb !== null ? (
          <>
            APoT, {view.apot.length} levels · SQNR {formatDb(view.apotSqnrDb)}
            {view.current === 'apot' && ' (in use)'}
          </>
        ) : (
          <span className="muted">APoT: no level set at {view.bits} bits (3–7 only)</span>
        )}
      </div>
    </div>
  );
}
