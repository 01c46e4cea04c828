// Top-1 per image: thumbnail, predicted class and probability, the true label when known and
// whether the prediction is right; filterable to the wrong or unreadable ones.
import { memo, useState } from 'react';
import type { ImageItem } from '../state/images-slice';
import type { Prediction } from '../worker/api';
import { commands } from '../state/commands';
import { CommandButton, useStudio } from './app-context';
import { ClassChart } from './class-chart';

type Filter = 'all' | 'wrong' | 'failed';

/** Cells rendered at first; more on request, so a folder of 10 000 images stays light. */
const PAGE = 600;

export function ResultsPanel() {
  const images = useStudio((s) => s.images);
  const predictions = useStudio((s) => s.predictions);
  const classes = useStudio((s) => s.classes);
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
  const shown = images.filter((im) => {
    const p = predictions[im.id];
    if (filter === 'all') return true;
    if (!p) return false;
    if (filter === 'failed') return Boolean(p.error);
    return !p.error && im.label !== undefined && p.top1 !== im.label;
  });
  return (
    <section className="panel results" aria-label="Results">
      <div className="panel-head">
        <h2>Results</h2>
        <div className="tabs" role="tablist">
          {(['all', 'wrong', 'failed'] as const).map((f) => (
            <button key={f} type="button" role="tab" aria-selected={filter === f} className={filter === f ? 'tab active' : 'tab'} onClick={() => setFilter(f)}>
              {f === 'all' ? 'All' : f === 'wrong' ? 'Wrong' : 'Unreadable'}
            </button>
          ))}
        </div>
        <span className="muted">{shown.length} shown</span>
      </div>
      <ClassChart />
      <ul className="grid" data-testid="results">
        {shown.slice(0, limit).map((im) => (
          <Cell key={im.id} image={im} pred={predictions[im.id]} classes={classes} />
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

const Cell = memo(function Cell({ image, pred, classes }: { image: ImageItem; pred?: Prediction; classes: string[] }) {
  const name = (k: number | undefined) => (k === undefined ? '' : (classes[k] ?? `class ${k}`));
  const verdict = !pred ? 'pending' : pred.error ? 'failed' : image.label === undefined ? 'unlabeled' : pred.top1 === image.label ? 'correct' : 'wrong';
  return (
    <li className={`cell cell-${verdict}`} data-verdict={verdict} data-name={image.name} data-top1={pred?.top1} title={pred?.error ? `${image.path}\n${pred.error.message}` : image.path}>
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
      </div>
    </li>
  );
});
