// The weighted layers (Conv, Gemm, MatMul with constant weights): name, op, weight shape and
// parameter count, with each layer's share of the model drawn as a thin bar.
import type { WeightedLayer } from '../engine/types';
import { useStudio } from './app-context';
import { DataTable, type Column } from './data-table';
import { formatCount, formatDims } from './format';

const columns = (max: number): Column<WeightedLayer>[] => [
  { header: '#', cell: (_l, i) => i + 1, td: { className: 'muted' } },
  { header: 'Layer', cell: (l) => l.name, td: (l) => ({ className: 'mono name', title: l.name }) },
  { header: 'Op', cell: (l) => l.opType },
  { header: 'Weight', cell: (l) => formatDims(l.weightShape), td: { className: 'mono nowrap' } },
  {
    header: 'Params',
    num: true,
    cell: (l) => (
      <>
        <span className="bar" style={{ width: `${(100 * l.params) / max}%` }} />
        {formatCount(l.params)}
      </>
    ),
  },
];

export function LayersTable({ layers }: { layers: WeightedLayer[] }) {
  const max = Math.max(1, ...layers.map((l) => l.params));
  return (
    <section className="panel" aria-label="Weighted layers">
      <div className="panel-head">
        <h2>Weighted layers</h2>
        <span className="muted">{layers.length}</span>
      </div>
      <div className="layers-scroll">
        <DataTable className="layers" data-testid="layers" columns={columns(max)} rows={layers} rowKey={(l) => l.name} />
      </div>
    </section>
  );
}

export function LayersPanel() {
  const layers = useStudio((s) => s.model?.weightedLayers);
  return layers ? <LayersTable layers={layers} /> : null;
}
