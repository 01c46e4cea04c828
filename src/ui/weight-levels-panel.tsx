// The weight-levels panel: choose a calibrated layer and an output channel, and see its float
// weights against the uniform and the APoT grid at the layer's bits (asked of the worker when idle).
import { useEffect, useState } from 'react';
import { fetchWeightLevels } from '../state/jobs/data-free';
import { anyJobRunning } from '../state/quant-selectors';
import type { QuantLayerRow } from '../worker/quant-api';
import type { WeightLevelsView } from '../worker/data-free-api';
import { useApp, useStudio } from './app-context';
import { WeightLevelsChart } from './weight-levels-chart';

const BINS = 60;

/** The first layer with an APoT level set at its bits (3–7), else the first quantized one. */
function defaultLayer(rows: QuantLayerRow[]): string | null {
  const apot = rows.find((r) => r.weight && r.weight.bits >= 3 && r.weight.bits <= 7);
  return (apot ?? rows[0])?.name ?? null;
}

export function WeightLevelsPanel() {
  const ctx = useApp();
  const calibration = useStudio((s) => s.calibration);
  const busy = useStudio(anyJobRunning);
  const [picked, setPicked] = useState<string | null>(null);
  const [channel, setChannel] = useState(0);
  const [view, setView] = useState<WeightLevelsView | null>(null);
  const rows = (calibration?.rows ?? []).filter((r) => r.weight);
  const layer = picked && rows.some((r) => r.name === picked) ? picked : defaultLayer(rows);

  useEffect(() => {
    if (!calibration || !layer || busy) return;
    let live = true;
    void fetchWeightLevels(ctx, layer, channel, BINS).then((v) => {
      if (live) setView(v);
    });
    return () => {
      live = false;
    };
  }, [ctx, calibration, layer, channel, busy]);

  if (!calibration || !rows.length || !layer) return null;
  const shown = view && view.layer === layer ? view : null;
  return (
    <section className="panel" aria-label="Weight histogram and grids">
      <div className="panel-head">
        <h2>Weight levels</h2>
        <span className="muted">one output channel's float weights, with the uniform and the APoT grid it would get at its bits</span>
      </div>
      <div className="form-row weight-levels-form">
        <label className="field">
          <span>Layer</span>
          <select aria-label="Layer to plot" value={layer} onChange={(e) => (setPicked(e.target.value), setChannel(0))}>
            {rows.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name} · {r.weight!.bits}-bit
              </option>
            ))}
          </select>
        </label>
        <label className="field field-narrow">
          <span>Output channel{shown ? ` (0–${shown.channels - 1})` : ''}</span>
          <input
            type="number"
            aria-label="Output channel to plot"
            min={0}
            max={shown ? shown.channels - 1 : undefined}
            value={channel}
            onChange={(e) => setChannel(Math.max(0, Math.floor(Number(e.target.value)) || 0))}
          />
        </label>
      </div>
      {shown ? <WeightLevelsChart view={shown} /> : <div className="chart-empty muted">reading the weights…</div>}
    </section>
  );
}
