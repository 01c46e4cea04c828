// The loaded model's summary: file, producer and opsets, inputs and outputs with shapes,
// parameter count, op counts (original and prepared) and the list of weighted layers.
import type { ModelSummary, ValueSummary } from '../engine/types';
import { useStudio } from './app-context';
import { formatBytes, formatCount, formatShape } from './format';

export function ModelPanel() {
  const model = useStudio((s) => s.model);
  const bytes = useStudio((s) => s.modelBytes);
  const loading = useStudio((s) => s.modelLoading);
  return (
    <section className="panel model-panel" aria-label="Model">
      <div className="panel-head">
        <h2>Model</h2>
        {loading && <span className="muted spinner-text">loading {loading}…</span>}
      </div>
      {model ? <Summary model={model} bytes={bytes} /> : <EmptyModel loading={loading !== null} />}
    </section>
  );
}

function EmptyModel({ loading }: { loading: boolean }) {
  return (
    <p className="muted empty">
      {loading ? 'Parsing and preparing the graph…' : 'No model yet. Open an .onnx file, drop one on the page, or try the demo.'}
    </p>
  );
}

function Summary({ model, bytes }: { model: ModelSummary; bytes: number }) {
  const opsets = Object.entries(model.opsets)
    .map(([d, v]) => `${d || 'ai.onnx'} ${v}`)
    .join(', ');
  return (
    <div className="summary" data-testid="model-summary">
      <div className="model-name" title={model.fileName}>
        {model.fileName}
      </div>
      <dl className="kv">
        <dt>Size</dt>
        <dd>{formatBytes(bytes)}</dd>
        <dt>Producer</dt>
        <dd>{model.producer || '–'}</dd>
        <dt>Opsets</dt>
        <dd>{opsets || '–'}</dd>
        <dt>Parameters</dt>
        <dd data-testid="param-count" title={model.paramCount.toLocaleString('en-US')}>
          {formatCount(model.paramCount)} <span className="muted">({model.paramCount.toLocaleString('en-US')})</span>
        </dd>
      </dl>
      <IoList title="Inputs" values={model.inputs} />
      <IoList title="Outputs" values={model.outputs} />
      <OpCounts title="Operators" counts={model.opCounts} testId="op-counts" />
      <Prepared before={model.opCounts} after={model.preparedOpCounts} />
    </div>
  );
}

function IoList({ title, values }: { title: string; values: ValueSummary[] }) {
  return (
    <div className="sub">
      <h3>{title}</h3>
      <table className="io">
        <tbody>
          {values.map((v) => (
            <tr key={v.name}>
              <td className="mono name" title={v.name}>
                {v.name}
              </td>
              <td className="mono">{formatShape(v.shape)}</td>
              <td className="muted">{v.dtype}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OpCounts({ title, counts, testId }: { title: string; counts: Record<string, number>; testId: string }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return (
    <div className="sub">
      <h3>
        {title} <span className="muted">{total} nodes</span>
      </h3>
      <ul className="ops" data-testid={testId}>
        {entries.map(([op, n]) => (
          <li key={op} data-op={op}>
            <span className="op">{op}</span>
            <span className="n">{n}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What preparation changed (constant folding, BN folding, Identity removal), in one line. */
function Prepared({ before, after }: { before: Record<string, number>; after: Record<string, number> }) {
  const ops = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes = ops
    .map((op) => [op, (after[op] ?? 0) - (before[op] ?? 0)] as const)
    .filter(([, d]) => d !== 0)
    .map(([op, d]) => `${op} ${d > 0 ? '+' : '−'}${Math.abs(d)}`);
  const total = Object.values(after).reduce((a, b) => a + b, 0);
  return (
    <p className="prepared muted" data-testid="prepared-op-counts">
      After preparation: {total} nodes{changes.length ? ` (${changes.join(', ')})` : ', unchanged'}
    </p>
  );
}
