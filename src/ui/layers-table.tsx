// The weighted layers (Conv, Gemm, MatMul with constant weights): name, op, weight shape and
// parameter count, with each layer's share of the model drawn as a thin bar.
import type { WeightedLayer } from '../engine/types';
import { useStudio } from './app-context';
import { formatCount, formatDims } from './format';

export function LayersTable({ layers }: { layers: WeightedLayer[] }) {
  const max = Math.max(1, ...layers.map((l) => l.params));
  return (
    <section className="panel" aria-label="Weighted layers">
      <div className="panel-head">
        <h2>Weighted layers</h2>
        <span className="muted">{layers.length}</span>
      </div>
      <div className="layers-scroll">
        <table className="layers" data-testid="layers">
          <thead>
            <tr>
              <th>#</th>
              <th>Layer</th>
              <th>Op</th>
              <th>Weight</th>
              <th className="num">Params</th>
            </tr>
          </thead>
          <tbody>
            {layers.map((l, i) => (
              <tr key={l.name}>
                <td className="muted">{i + 1}</td>
                <td className="mono name" title={l.name}>
                  {l.name}
                </td>
                <td>{l.opType}</td>
                <td className="mono nowrap">{formatDims(l.weightShape)}</td>
                <td className="num">
                  <span className="bar" style={{ width: `${(100 * l.params) / max}%` }} />
                  {formatCount(l.params)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function LayersPanel() {
  const layers = useStudio((s) => s.model?.weightedLayers);
  return layers ? <LayersTable layers={layers} /> : null;
}
