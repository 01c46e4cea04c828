// The image size of a model whose input height and width are not fixed ([N, 3, H, W]): prefilled
// from the preset (ImageNet's 224×224), it sets the preprocessing size and with it the input shape
// the worker's session runs (the engine plans per input shape).
import { hasDynamicSize, parseInputShape, sizedPreset, type InputShape } from '../data/input-size';
import { relabel } from '../state/jobs/images';
import { useApp, useStudio } from './app-context';
import { FieldInput } from './field-input';
import { formatShape } from './format';

/** "320", "320×480" or "3x320x480"; undefined when malformed or of another channel count. */
function parseSize(s: string, channels: number): InputShape | undefined {
  try {
    const v = parseInputShape(s);
    return v.channels === undefined || v.channels === channels ? v : undefined;
  } catch {
    return undefined;
  }
}

export function InputSizeField() {
  const ctx = useApp();
  const input = useStudio((s) => s.model?.inputs[0]);
  const preset = useStudio((s) => s.preset);
  const batch = useStudio((s) => s.batchSize);
  const busy = useStudio((s) => s.run.status === 'running' || Object.values(s.jobs).some((j) => j.status === 'running'));
  if (!input || !preset || !hasDynamicSize(input.shape)) return null;
  const n = typeof input.shape[0] === 'number' ? input.shape[0] : batch;
  return (
    <div className="input-size" data-testid="input-size">
      <FieldInput
        label="Input size (H×W)"
        title="The model's input height and width are not fixed: images are resized to this size and the model runs at it"
        value={{ height: preset.height, width: preset.width } as InputShape}
        format={(v) => `${v.height}×${v.width}`}
        parse={(s) => parseSize(s, preset.channels)}
        onCommit={(v) => {
          ctx.store.getState().setPreset(sizedPreset(preset, v.height, v.width));
          relabel(ctx);
        }}
        disabled={busy}
      />
      <p className="muted formula" data-testid="input-shape-run">
        {input.name} {formatShape(input.shape)} runs as {formatShape([n, preset.channels, preset.height, preset.width])}
      </p>
    </div>
  );
}
