// The Quantize panel's data-free row: SQuant, or round to nearest, with no images at all (activation
// ranges from one pass of random noise), and what the last data-free run did. Progress: the calib row.
import { commands } from '../state/commands';
import { dataFreeBlocked } from '../state/jobs/data-free';
import type { CalibrationResult } from '../state/quant-results-slice';
import { CommandButton, useStudio } from './app-context';
import { formatDuration } from './format';

const SQUANT_TITLE =
  'SQuant (Guo et al. 2022): per-channel MinMax weights, rounding flipped so each kernel and each output channel keeps its error sum within ½ (on the GPU, ms per layer); activation ranges α·σ from a noise pass. No images needed.';
const NEAREST_TITLE = 'Round to nearest on the configured weight grid (uniform or APoT); activation ranges α·σ from the same noise pass as SQuant. The data-free baseline.';

export function DataFreeRow() {
  const calibration = useStudio((s) => s.calibration);
  const blocked = useStudio((s) => dataFreeBlocked(s, 'squant'));
  return (
    <div className="run-row data-free-row" data-testid="data-free">
      <CommandButton command={commands.squantDataFree} variant="primary" title={blocked ?? SQUANT_TITLE} />
      <CommandButton command={commands.nearestDataFree} title={NEAREST_TITLE} />
      {calibration?.dataFree ? <Summary c={calibration} /> : <span className="muted">no images needed: activation ranges come from a pass of random noise</span>}
      {blocked && <span className="warn">{blocked}</span>}
    </div>
  );
}

function Summary({ c }: { c: CalibrationResult }) {
  const df = c.dataFree!;
  const layers = c.rows.filter((r) => r.weight).length;
  const weights = df.rounding === 'squant' ? 'SQuant rounding, per-channel MinMax' : `round to nearest, ${c.config.wLevels === 'apot' ? 'APoT' : c.config.wObserver}`;
  return (
    <span className="muted" data-testid="data-free-summary" data-rounding={df.rounding} data-squant-ms={df.squantMs ?? undefined}>
      data-free W{c.config.wBits}A{c.config.aBits}: {weights}
      {df.squantMs !== null && ` (${layers} layers in ${df.squantMs.toFixed(1)} ms of GPU work)`}; activations from {df.noiseImages} noise inputs; {formatDuration(c.ms)} in all
    </span>
  );
}
