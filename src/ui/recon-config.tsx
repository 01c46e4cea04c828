// The reconstruction settings: method, iterations (fast 2000, the paper's 20000, or any), QDrop's
// drop probabilities, seed, batch, how many calibration images it trains on, the flatness curve
// measured after each block, early stop and the GPU memory budget for a block's caches.
import { RECON_METHODS, type ReconMethod } from '../recon/reconstruct';
import { ITER_PRESETS, iterPreset, type IterPreset, type ReconSettings } from '../state/recon-slice';
import { anyJobRunning } from '../state/quant-selectors';
import { useApp, useStudio } from './app-context';
import { FieldInput } from './field-input';

export const METHOD_LABELS: Record<ReconMethod, { label: string; title: string }> = {
  nearest: { label: 'Round to nearest', title: 'no reconstruction: the calibrated model as it is' },
  adaround: { label: 'AdaRound', title: 'learned rounding, one layer at a time' },
  brecq: { label: 'BRECQ', title: 'learned rounding and activation steps, one block at a time, no dropping' },
  qdrop: { label: 'QDrop', title: 'BRECQ with activation quantization randomly dropped (p = 0.5)' },
};

const PRESETS: { value: IterPreset; label: string }[] = [
  { value: 'fast', label: `fast · ${ITER_PRESETS.fast}` },
  { value: 'paper', label: `paper · ${ITER_PRESETS.paper}` },
  { value: 'custom', label: 'custom' },
];

const int = (min: number, max: number) => (s: string) => {
  const n = Number(s.trim());
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};
const probability = (s: string) => {
  const n = Number(s.trim());
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
};
const positive = (s: string) => {
  const n = Number(s.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

export function ReconConfigForm() {
  const ctx = useApp();
  const c = useStudio((s) => s.reconSettings);
  const disabled = useStudio((s) => anyJobRunning(s) || s.ablation?.status === 'running');
  const edit = (patch: Partial<ReconSettings>) => ctx.store.getState().editReconSettings(patch);
  const learned = c.method !== 'nearest';
  return (
    <div className="recon-config" data-testid="recon-config">
      <label className="field">
        <span>Method</span>
        <select aria-label="Method" value={c.method} disabled={disabled} onChange={(e) => edit({ method: e.target.value as ReconMethod })}>
          {RECON_METHODS.map((m) => (
            <option key={m} value={m} title={METHOD_LABELS[m].title}>
              {METHOD_LABELS[m].label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Preset</span>
        <select
          aria-label="Iterations preset"
          value={iterPreset(c.iters)}
          disabled={disabled || !learned}
          onChange={(e) => {
            const p = e.target.value as IterPreset;
            if (p !== 'custom') edit({ iters: ITER_PRESETS[p] });
          }}
        >
          {PRESETS.map((p) => (
            <option key={p.value} value={p.value} disabled={p.value === 'custom'}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <FieldInput label="Iterations" title="Iterations per block (the paper: 20000; 1000–5000 come close)" value={c.iters} format={String} parse={int(1, 1_000_000)} onCommit={(iters) => edit({ iters })} disabled={disabled || !learned} />
      <FieldInput label="Drop probability" title="Probability that an activation quantizer inside the block quantizes (QDrop p; 1 = no dropping, BRECQ)" value={c.drop} format={String} parse={probability} onCommit={(drop) => edit({ drop })} disabled={disabled || !learned} />
      <FieldInput label="Input drop probability" title="Probability that an element of the block input is the quantized one (1 = always quantized)" value={c.inputDrop} format={String} parse={probability} onCommit={(inputDrop) => edit({ inputDrop })} disabled={disabled || !learned} />
      <FieldInput label="Seed" value={c.seed} format={String} parse={int(0, 2 ** 31 - 1)} onCommit={(seed) => edit({ seed })} disabled={disabled || !learned} />
      <FieldInput label="Training batch" title="Cached samples per iteration (the paper: 32)" value={c.batch} format={String} parse={int(1, 1024)} onCommit={(batch) => edit({ batch })} disabled={disabled || !learned} />
      <FieldInput
        label="Images"
        title="Calibration images reconstruction trains on (spread over the chosen set); activation ranges use the calibration's own count, DESIGN.md: 256 and 1024"
        value={c.images}
        format={String}
        parse={int(1, 1_000_000)}
        onCommit={(images) => edit({ images })}
        disabled={disabled || !learned}
      />
      <FieldInput label="Flatness points" title="Points of the loss along a random weight direction after each block (0: none)" value={c.flatnessPoints} format={String} parse={int(0, 101)} onCommit={(flatnessPoints) => edit({ flatnessPoints })} disabled={disabled || !learned} />
      <FieldInput label="Flatness range" title="α from −range to range, the direction scaled to each filter's norm" value={c.flatnessRange} format={String} parse={positive} onCommit={(flatnessRange) => edit({ flatnessRange })} disabled={disabled || !learned || c.flatnessPoints === 0} />
      <FieldInput label="Cache budget (MiB)" title="GPU memory for a block's cached inputs and outputs; above it the caches are stored in float16, and a clear message says how many images fit" value={c.cacheMiB} format={String} parse={int(16, 65536)} onCommit={(cacheMiB) => edit({ cacheMiB })} disabled={disabled || !learned} />
      <label className="check" title="End a block early once its rounding is decided and its loss is flat">
        <input type="checkbox" checked={c.earlyStop} disabled={disabled || !learned} onChange={(e) => edit({ earlyStop: e.target.checked })} />
        Early stop
      </label>
    </div>
  );
}
