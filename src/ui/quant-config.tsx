// The quantization configuration: bits, observer and grid for weights and activations, weight scales
// and levels (uniform or APoT), the first/last-layer 8-bit policy, calibration image count, overrides.
import type { ReactNode } from 'react';
import type { ObserverKind, QuantConfig, WeightLevels } from '../quant/types';
import { useApp, useStudio } from './app-context';
import { FieldInput, parsers } from './field-input';

const BITS = [2, 3, 4, 5, 6, 7, 8];
export const OBSERVERS: { id: ObserverKind; label: string; title: string }[] = [
  { id: 'minmax', label: 'MinMax', title: 'the observed minimum and maximum' },
  { id: 'mse', label: 'MSE', title: 'the range minimizing mean |x − Q(x)|^2.4 over 100 candidates' },
  { id: 'percentile', label: 'Percentile', title: 'a percentile of |x| (or of each side), clipping outliers' },
  { id: 'entropy', label: 'Entropy (KL)', title: "the threshold minimizing KL divergence of the histogram, as onnxruntime's calibrator" },
];

const LEVELS: { value: WeightLevels; label: string; title: string }[] = [
  { value: 'uniform', label: 'uniform', title: 'integer steps of one scale per channel' },
  { value: 'apot', label: 'APoT', title: 'additive powers of two (Li et al. 2020): denser near zero, exact int8 codes in the export' },
];
const LEVELS_TITLE = 'The weight grid. APoT applies to 3–7-bit layers (2- and 8-bit ones stay uniform), its range α per channel from an MSE search whatever the weight observer; 7-bit APoT exports need opset 21. Calibration and reconstruction both use it.';

interface SelectProps<T extends string | number> {
  label: string;
  value: T;
  options: { value: T; label: string; title?: string }[];
  onChange: (v: T) => void;
  disabled: boolean;
}

function Select<T extends string | number>({ label, value, options, onChange, disabled }: SelectProps<T>) {
  return (
    <select aria-label={label} title={label} value={String(value)} disabled={disabled} onChange={(e) => onChange(options.find((o) => String(o.value) === e.target.value)!.value)}>
      {options.map((o) => (
        <option key={String(o.value)} value={String(o.value)} title={o.title}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <span className="qgrid-label">{label}</span>
      {children}
    </>
  );
}

export function QuantConfigPanel() {
  const ctx = useApp();
  const c = useStudio((s) => s.quantConfig);
  const disabled = useStudio((s) => s.jobs.calib.status === 'running');
  const { editConfig } = ctx.store.getState();
  const edit = (patch: Partial<QuantConfig>) => editConfig(patch);
  const bits = BITS.map((b) => ({ value: b, label: `${b}-bit` }));
  const observers = OBSERVERS.map((o) => ({ value: o.id, label: o.label, title: o.title }));
  const grid = [
    { value: 'asym', label: 'asymmetric', title: 'unsigned grid [0, 2^b−1] with a zero point' },
    { value: 'sym', label: 'symmetric', title: 'signed grid [−2^(b−1), 2^(b−1)−1], zero point 0' },
  ] as const;
  const overrides = Object.keys(c.overrides).length;
  const usesPercentile = c.wObserver === 'percentile' || c.aObserver === 'percentile';
  return (
    <section className="panel" aria-label="Quantization configuration">
      <div className="panel-head">
        <h2>Configuration</h2>
        <span className="muted" data-testid="config-summary">
          W{c.wBits}A{c.aBits}
        </span>
      </div>
      <div className="form" data-testid="quant-config">
        <div className="qgrid">
          <span />
          <span className="qgrid-head">Bits</span>
          <span className="qgrid-head">Observer</span>
          <span className="qgrid-head">Grid</span>
          <Row label="Weights">
            <Select label="Weight bits" value={c.wBits} options={bits} onChange={(wBits) => edit({ wBits })} disabled={disabled} />
            <Select label="Weight observer" value={c.wObserver} options={observers} onChange={(wObserver) => edit({ wObserver })} disabled={disabled} />
            <Select label="Weight grid" value={c.wSymmetric ? 'sym' : 'asym'} options={[...grid]} onChange={(g) => edit({ wSymmetric: g === 'sym' })} disabled={disabled} />
          </Row>
          <Row label="Activations">
            <Select label="Activation bits" value={c.aBits} options={bits} onChange={(aBits) => edit({ aBits })} disabled={disabled} />
            <Select label="Activation observer" value={c.aObserver} options={observers} onChange={(aObserver) => edit({ aObserver })} disabled={disabled} />
            <Select label="Activation grid" value={c.aSymmetric ? 'sym' : 'asym'} options={[...grid]} onChange={(g) => edit({ aSymmetric: g === 'sym' })} disabled={disabled} />
          </Row>
        </div>
        <div className="form-row">
          <label className="field field-narrow">
            <span>Weight scales</span>
            <Select
              label="Weight granularity"
              value={c.wGranularity}
              options={[
                { value: 'channel', label: 'per channel' },
                { value: 'tensor', label: 'per tensor' },
              ]}
              onChange={(wGranularity) => edit({ wGranularity })}
              disabled={disabled}
            />
          </label>
          <label className="field field-narrow" title={LEVELS_TITLE}>
            <span>Weight levels</span>
            <Select label="Weight levels" value={c.wLevels ?? 'uniform'} options={LEVELS} onChange={(v) => edit({ wLevels: v === 'apot' ? 'apot' : undefined })} disabled={disabled} />
          </label>
          <FieldInput label="Calib. images" title="How many calibration images to use (spread over the chosen set)" value={c.calibCount} format={String} parse={parsers.positiveInt} onCommit={(calibCount) => edit({ calibCount })} disabled={disabled} />
          {usesPercentile && (
            <FieldInput label="Percentile" value={c.percentile} format={String} parse={parsePercentile} onCommit={(percentile) => edit({ percentile })} disabled={disabled} />
          )}
        </div>
        <label className="check" title="QDrop/BRECQ policy: first and last layer weights 8-bit, and the last layer's input 8-bit">
          <input type="checkbox" checked={c.firstLast8bit} disabled={disabled} onChange={(e) => edit({ firstLast8bit: e.target.checked })} />
          First and last layer in 8 bits
        </label>
        <p className="muted note">
          {overrides ? `${overrides} per-layer override${overrides === 1 ? '' : 's'} in the layers table. ` : 'Per-layer bits, or float, in the layers table. '}
          The network input and output stay float.
        </p>
      </div>
    </section>
  );
}

function parsePercentile(s: string): number | undefined {
  const n = Number(s.trim());
  return Number.isFinite(n) && n >= 50 && n <= 100 ? n : undefined;
}
