// Per-class top-1 accuracy of the images finished so far, as a compact bar chart (recharts);
// shown only when labels are known.
import { useMemo } from 'react';
import { Bar, BarChart, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useStudio } from './app-context';

interface Row {
  name: string;
  accuracy: number;
  correct: number;
  count: number;
}

export function ClassChart() {
  const images = useStudio((s) => s.images);
  const predictions = useStudio((s) => s.predictions);
  const classes = useStudio((s) => s.classes);
  const rows = useMemo(() => {
    const r: Row[] = classes.map((name) => ({ name, accuracy: 0, correct: 0, count: 0 }));
    for (const im of images) {
      const p = predictions[im.id];
      if (!p || p.error || im.label === undefined || !r[im.label]) continue;
      r[im.label].count++;
      if (p.top1 === im.label) r[im.label].correct++;
    }
    for (const x of r) x.accuracy = x.count ? (100 * x.correct) / x.count : 0;
    return r;
  }, [images, predictions, classes]);
  if (!rows.some((r) => r.count > 0) || rows.length > 100) return null;
  return (
    <div className="chart" aria-label="Accuracy per class">
      <ResponsiveContainer width="100%" height={110}>
        <BarChart data={rows} margin={{ top: 4, right: 4, bottom: 0, left: -22 }}>
          <XAxis dataKey="name" tick={{ fontSize: 10, fill: '#8b949e' }} interval={0} tickLine={false} axisLine={{ stroke: '#30363d' }} />
          <YAxis domain={[0, 100]} ticks={[0, 50, 100]} tick={{ fontSize: 10, fill: '#8b949e' }} tickLine={false} axisLine={false} />
          <Tooltip
            cursor={{ fill: 'rgba(255,255,255,0.04)' }}
            contentStyle={{ background: '#161b22', border: '1px solid #30363d', fontSize: 12 }}
            formatter={(_v, _n, item) => {
              const row = item.payload as Row;
              return [`${row.accuracy.toFixed(1)} % (${row.correct}/${row.count})`, 'top-1'];
            }}
          />
          <Bar dataKey="accuracy" isAnimationActive={false} radius={[2, 2, 0, 0]}>
            {rows.map((r) => (
              <Cell key={r.name} fill={r.accuracy >= 80 ? '#3fb950' : r.accuracy >= 50 ? '#d29922' : '#f85149'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
