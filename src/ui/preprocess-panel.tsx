// Preprocessing settings sent with every run: a preset prefilled from the model's input shape,
// every field editable (an edit makes the preset "custom"), plus the batch size.
import { PRESETS, isPresetId, type Preset } from '../data/presets';
import { relabel } from '../state/jobs/images';
import { useApp, useStudio } from './app-context';
import { FieldInput, parsers } from './field-input';
import { formatNumberList } from './format';
import { InputSizeField } from './input-size-field';

export function PreprocessPanel() {
  const preset = useStudio((s) => s.preset);
  const hasModel = useStudio((s) => s.model !== null);
  return (
    <section className="panel" aria-label="Preprocessing">
      <div className="panel-head">
        <h2>Preprocessing</h2>
        {preset && <span className="muted">{preset.label}</span>}
      </div>
      <InputSizeField />
      {preset ? (
        <PresetForm preset={preset} />
      ) : (
        <p className="muted empty">{hasModel ? 'The model input is not an image batch [N, C, H, W].' : 'Prefilled from the model input when a model is loaded.'}</p>
      )}
    </section>
  );
}

function PresetForm({ preset }: { preset: Preset }) {
  const ctx = useApp();
  const { setPreset, editPreset, setBatchSize } = ctx.store.getState();
  const batchSize = useStudio((s) => s.batchSize);
  const running = useStudio((s) => s.run.status === 'running');
  const n = preset.channels;
  const edit = (patch: Partial<Preset>) => {
    editPreset(patch);
    relabel(ctx);
  };
  const list = parsers.numberList(n);
  return (
    <div className="form" data-testid="preprocess">
      <label className="field field-wide">
        <span>Preset</span>
        <select
          value={preset.id}
          disabled={running}
          onChange={(e) => {
            const id = e.target.value;
            if (isPresetId(id)) {
              setPreset(PRESETS[id]);
              relabel(ctx);
            }
          }}
        >
          {Object.values(PRESETS).map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          {preset.id === 'custom' && <option value="custom">{preset.label}</option>}
        </select>
      </label>
      <div className="form-row">
        <FieldInput label="Width" value={preset.width} format={String} parse={parsers.positiveInt} onCommit={(width) => edit({ width })} disabled={running} />
        <FieldInput label="Height" value={preset.height} format={String} parse={parsers.positiveInt} onCommit={(height) => edit({ height })} disabled={running} />
        <FieldInput
          label="Resize"
          title="Shorter side before the center crop (equal to the height: no resize-then-crop)"
          value={preset.resize}
          format={String}
          parse={parsers.positiveInt}
          onCommit={(resize) => edit({ resize })}
          disabled={running}
        />
      </div>
      <div className="form-row">
        <label className="field field-narrow">
          <span>Channels</span>
          <select
            value={`${n}-${preset.channelOrder}`}
            disabled={running}
            onChange={(e) => {
              const [c, order] = e.target.value.split('-');
              const channels = Number(c) as 1 | 3;
              const fit = (xs: number[]) => (channels === 1 ? [xs[0]] : xs.length === 3 ? xs : [xs[0], xs[0], xs[0]]);
              edit({ channels, channelOrder: order as 'RGB' | 'BGR', mean: fit(preset.mean), std: fit(preset.std) });
            }}
          >
            <option value="3-RGB">RGB</option>
            <option value="3-BGR">BGR</option>
            <option value="1-RGB">Gray</option>
          </select>
        </label>
        <FieldInput
          label="Scale"
          title="Multiplies the 0–255 pixel value (1/255 maps to 0–1)"
          value={preset.scale}
          format={(v) => (Math.abs(v * 255 - 1) < 1e-9 ? '1/255' : String(v))}
          parse={parsers.positive}
          onCommit={(scale) => edit({ scale })}
          disabled={running}
        />
        <FieldInput label="Batch" value={batchSize} format={String} parse={parsers.positiveInt} onCommit={setBatchSize} disabled={running} />
      </div>
      <FieldInput label="Mean" width="wide" value={preset.mean} format={formatNumberList} parse={list} onCommit={(mean) => edit({ mean })} disabled={running} />
      <FieldInput label="Std" width="wide" value={preset.std} format={formatNumberList} parse={list} onCommit={(std) => edit({ std })} disabled={running} />
      <p className="muted formula">
        x = ({preset.channelOrder === 'BGR' ? 'BGR' : n === 1 ? 'gray' : 'RGB'} · {Math.abs(preset.scale * 255 - 1) < 1e-9 ? '1/255' : preset.scale} − mean) / std
        {preset.resize !== preset.height && `, after resize ${preset.resize} and center crop ${preset.width}×${preset.height}`}
      </p>
    </div>
  );
}
