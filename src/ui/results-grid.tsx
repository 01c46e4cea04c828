// Top-1 per image: thumbnail, predicted class and probability, the true label, and the quantized
// answer where it differs; filterable to the wrong, unreadable or changed-by-quantization ones.
import { memo, useState } from 'react';
import type { ImageItem } from '../state/images-slice';
import type { Prediction } from '../worker/api';
import { commands } from '../state/commands';
import { CommandButton, useStudio } from './app-context';
import { ClassChart } from './class-chart';
import { currentFloat, currentQuant } from '../state/quant-selectors';

type Filter = 'all' | 'wrong' | 'failed' | 'changed';
const TAB_LABEL: Record<Filter, string> = { all: 'All', wrong: 'Wrong', failed: 'Unreadable', changed: 'Changed by quantization' };

/** Cells rendered at first; more on request, so a folder of 10 000 images stays light. */
const PAGE = 600;

export function ResultsPanel() {
  const images = useStudio((s) => s.images);
  const predictions = useStudio((s) => s.predictions);
  const classes = useStudio((s) => s.classes);
  const quant = useStudio(currentQuant);
  const evalFloat = useStudio(currentFloat);
  const [filter, setFilter] = useState<Filter>('all');
  const [limit, setLimit] = useState(PAGE);
  if (!images.length) {
    return (
      <section className="panel results" aria-label="Results">
        <div className="drop-hint">
          <div className="drop-hint-title">Drop an .onnx model, images or a folder anywhere on this page</div>
          <div className="muted">
            Images are labelled from file names (0003_airplane.png), one folder per class, or a labels file (.txt, .csv, .json) chosen with them. Everything runs on
            this computer's GPU; nothing leaves the browser.
          </div>
          <div className="drop-hint-actions">
            <CommandButton command={commands.loadDemo} variant="primary">
              Run the demo: ResNet-20 on 300 CIFAR-10 images
            </CommandButton>
          </div>
        </div>
      </section>
    );
  }
  // The float answer a quantized one is compared with: the evaluation's, else the float run's.
  const floatOf = (id: number) => evalFloat?.[id] ?? (predictions[id]?.error ? undefined : predictions[id]?.top1);
  const changed = (id: number) => quant?.[id] !== undefined && quant[id] >= 0 && floatOf(id) !== undefined && quant[id] !== floatOf(id);
  const shown = images.filter((im) => {
    const p = predictions[im.id];
    if (filter === 'all') return true;
    if (filter === 'changed') return changed(im.id);
    if (!p) return false;
    if (filter === 'failed') return Boolean(p.error);
    return !p.error && im.label !== undefined && p.top1 !== im.label;
  });
  return (
    <section className="panel results" aria-label="Results">
      <div className="panel-head">
        <h2>Results</h2>
        <div className="tabs" role="tablist">
          {(['all', 'wrong', 'failed', ...(quant ? (['changed'] as const) : [])] as const).map((f) => (
            <button key={f} type="button" role="tab" aria-selected={filter === f} className={filter === f ? 'tab active' : 'tab'} onClick={() => setFilter(f)}>
              {TAB_LABEL[f]}
            </button>
          ))}
        </div>
        <span className="muted">{shown.length} shown</span>
      </div>
      <ClassChart />
      <ul className="grid" data-testid="results">
        {shown.slice(0, limit).map((im) => (
          <Cell key={im.id} image={im} pred={predictions[im.id]} classes={classes} quant={quant?.[im.id]} changed={changed(im.id)} />
        ))}
      </ul>
      {shown.length > limit && (
        <div className="more">
          <button type="button" className="btn" onClick={() => setLimit(limit + PAGE * 4)}>
            Show {Math.min(PAGE * 4, shown.length - limit)} more of {shown.length - limit}
          </button>
        </div>
      )}
    </section>
  );
}

interface CellProps {
  image: ImageItem;
  pred?: Prediction;
  classes: string[];
  /** The quantized model's top-1, once evaluated. */
  quant?: number;
  /** The quantized top-1 differs from the float one. */
  changed: boolean;
}

const Cell = memo(function Cell({ image, pred, classes, quant, changed }: CellProps) {
  const name = (k: number | undefined) => (k === undefined ? '' : (classes[k] ?? `class ${k}`));
  const verdict = !pred ? 'pending' : pred.error ? 'failed' : image.label === undefined ? 'unlabeled' : pred.top1 === image.label ? 'correct' : 'wrong';
  return (
    <li className={`cell cell-${verdict}`} data-verdict={verdict} data-name={image.name} data-top1={pred?.top1} data-quant={quant} title={pred?.error ? `${image.path}\n${pred.error.message}` : image.path}>
      <div className="thumb">{verdict === 'failed' ? <span className="thumb-bad">!</span> : <img src={image.url} alt={image.name} loading="lazy" />}</div>
      <div className="cell-text">
        <div className="cell-name">{image.name}</div>
        {pred && !pred.error && (
          <div className="pred">
            <span className="mark">{verdict === 'correct' ? '✓' : verdict === 'wrong' ? '✗' : ''}</span>
            {name(pred.top1)} <span className="muted">{Math.round(100 * pred.prob)}%</span>
          </div>
        )}
        {pred?.error && <div className="pred bad">unreadable</div>}
        {!pred && <div className="pred muted">{image.label !== undefined ? name(image.label) : '…'}</div>}
        {verdict === 'wrong' && <div className="truth">true: {name(image.label)}</div>}
        {changed && quant !== undefined && (
          <div className={`quant-pred ${quant === image.label ? 'good' : 'bad'}`} title="The quantized model's answer differs from the float one">
            quantized: {name(quant)}
          </div>
        )}
      </div>
    </li>
  );
});
