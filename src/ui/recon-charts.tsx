// Line charts of reconstruction (recharts): loss against iteration on a log scale and loss against
// the perturbation α (flatness), one line per block or per run. Streaming data is redrawn at most a
// few times a second, and the chart says how many points it plots (data-points) for tests.
import { useEffect, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatSig } from './format';

export interface Series {
  key: string;
  label: string;
  points: { x: number; y: number }[];
  color: string;
  /** Drawn thicker (the block being trained, the mean). */
  strong?: boolean;
  dashed?: boolean;
}

interface Props {
  series: Series[];
  testId: string;
  label: string;
  xLabel: string;
  log?: boolean;
  height?: number;
  legend?: boolean;
  xDomain?: [number, number];
}

const AXIS = { fontSize: 10, fill: '#8b949e' };

/** Distinct colours for n lines. */
export function palette(i: number, n: number): string {
  return `hsl(${Math.round((i * 360) / Math.max(1, n) + 200) % 360} 70% 62%)`;
}

/** Decades spanning the positive values (a log axis needs a positive domain). */
function logDomain(series: Series[]): { domain: [number, number]; ticks: number[] } | null {
  let lo = Infinity;
  let hi = 0;
  for (const s of series) {
    for (const p of s.points) {
      if (!(p.y > 0) || !Number.isFinite(p.y)) continue;
      lo = Math.min(lo, p.y);
      hi = Math.max(hi, p.y);
    }
  }
  if (!(hi > 0)) return null;
  const a = Math.floor(Math.log10(lo));
  const b = Math.max(a + 1, Math.ceil(Math.log10(hi)));
  const ticks = Array.from({ length: b - a + 1 }, (_, i) => 10 ** (a + i));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

export function CurveChart({ series, testId, label, xLabel, log, height = 200, legend = true, xDomain }: Props) {
  const shown = useThrottled(series, 300);
  const points = shown.reduce((a, s) => a + s.points.length, 0);
  const logAxis = log ? logDomain(shown) : null;
  const data = (s: Series) => (logAxis ? s.points.filter((p) => p.y > 0) : s.points);
  return (
    <div className="chart recon-chart" role="img" aria-label={label} data-testid={testId} data-points={points} data-series={shown.length}>
      {points === 0 ? (
        <div className="chart-empty muted" style={{ height }}>
          {label}: no points yet
        </div>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart margin={{ top: 6, right: 10, bottom: 14, left: 0 }}>
            <CartesianGrid stroke="#2a323d" strokeDasharray="2 4" />
            <XAxis
              type="number"
              dataKey="x"
              domain={xDomain ?? ['dataMin', 'dataMax']}
              tick={AXIS}
              tickFormatter={(v: number) => formatSig(v)}
              label={{ value: xLabel, position: 'insideBottom', offset: -8, fontSize: 10, fill: '#8b949e' }}
            />
            <YAxis
              type="number"
              scale={logAxis ? 'log' : 'auto'}
              domain={logAxis ? logAxis.domain : ['auto', 'auto']}
              ticks={logAxis?.ticks}
              allowDataOverflow={!!logAxis}
              tick={AXIS}
              width={52}
              tickFormatter={(v: number) => formatSig(v)}
            />
            <Tooltip
              contentStyle={{ background: '#161b22', border: '1px solid #30363d', fontSize: 12 }}
              labelFormatter={(v) => `${xLabel} ${formatSig(Number(v))}`}
              formatter={(v, name) => [formatSig(Number(v)), name]}
            />
            {legend && shown.length > 1 && shown.length <= 16 && <Legend verticalAlign="top" height={18} wrapperStyle={{ fontSize: 11 }} />}
            {shown.map((s) => (
              <Line
                key={s.key}
                data={data(s)}
                dataKey="y"
                name={s.label}
                stroke={s.color}
                strokeWidth={s.strong ? 2 : 1}
                strokeOpacity={s.strong || shown.length === 1 ? 1 : 0.7}
                strokeDasharray={s.dashed ? '4 3' : undefined}
                dot={s.points.length < 3}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}

/** `value`, passed on at most every `ms` (the last value always arrives). */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const t = setTimeout(
      () => {
        last.current = Date.now();
        setShown(value);
      },
      Math.max(0, last.current + ms - Date.now()),
    );
    return () => clearTimeout(t);
  }, [value, ms]);
  return shown;
}
