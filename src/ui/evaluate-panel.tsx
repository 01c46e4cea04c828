// Evaluate: float top-1, quantized top-1 and their agreement side by side on the evaluation
// images, and onnxruntime-web's top-1 on the exported file when it has been checked.
import { useShallow } from 'zustand/react/shallow';
import { commands } from '../state/commands';
import { selectEvalStats, selectVerifyStats } from '../state/quant-selectors';
import { CommandButton, useStudio } from './app-context';
import { JobProgress } from './job-progress';
import { formatPercent } from './format';
import { FidelityView } from './fidelity-view';
import { currentFidelity, isClassifierModel } from '../state/fidelity-slice';

interface FigureProps {
  title: string;
  testId: string;
  num: number;
  den: number;
  note?: string;
  tone?: string;
}

function Figure({ title, testId, num, den, note, tone }: FigureProps) {
  return (
    <div className={`figure${tone ? ` figure-${tone}` : ''}`}>
      <div className="figure-title">{title}</div>
      <div className="figure-value" data-testid={testId} data-correct={num} data-total={den}>
        {den ? formatPercent(num / den, 1) : '–'}
      </div>
      <div className="muted figure-note">
        {den ? `${num} / ${den}` : ''}
        {note ? ` ${note}` : ''}
      </div>
    </div>
  );
}

export function EvaluatePanel() {
  const calibrated = useStudio((s) => s.calibration !== null);
  const images = useStudio((s) => s.images.length);
  const ev = useStudio(useShallow(selectEvalStats));
  const ver = useStudio(useShallow(selectVerifyStats));
  const verifyOpset = useStudio((s) => (s.verified && s.verified.from === s.exported ? s.exported.opset : null));
  // With fidelity figures, top-1 is shown only for a one-output classifier with labels.
  const fidelity = useStudio((s) => currentFidelity(s) !== null);
  const classifier = useStudio((s) => s.model !== null && isClassifierModel(s.model));
  if (!calibrated) return null;
  const drop = ev.labeled ? (100 * (ev.quantCorrect - ev.floatCorrect)) / ev.labeled : 0;
  return (
    <section className="panel" aria-label="Evaluate">
      <div className="panel-head">
        <h2>Evaluate</h2>
        <span className="muted">
          {images ? `${images} evaluation image${images === 1 ? '' : 's'}` : 'choose evaluation images above'}
          {ev.failed ? ` · ${ev.failed} unreadable` : ''}
        </span>
        <span className="spacer" />
        <CommandButton command={commands.evaluate} variant="primary" />
      </div>
      <JobProgress kind="eval" testId="eval" cancel={commands.cancelEvaluation} unit="images" />
      {ev.done > 0 && !(fidelity && (ev.labeled === 0 || !classifier)) && (
        <div className="figures" data-testid="eval-figures">
          <Figure title="Float top-1" testId="float-top1" num={ev.floatCorrect} den={ev.labeled} />
          <Figure
            title="Quantized top-1"
            testId="quant-top1"
            num={ev.quantCorrect}
            den={ev.labeled}
            note={ev.labeled ? `(${drop >= 0 ? '+' : '−'}${Math.abs(drop).toFixed(1)} pp)` : undefined}
            tone={drop <= -5 ? 'bad' : drop <= -1 ? 'warn' : 'good'}
          />
          <Figure title="Agreement with float" testId="agreement" num={ev.agree} den={ev.compared} note="same top-1" />
          {ver.done > 0 && (
            <Figure
              title={`onnxruntime-web${verifyOpset ? ` · opset ${verifyOpset}` : ''}`}
              testId="ort-top1"
              num={ver.correct}
              den={ver.labeled}
              note={ver.differ ? `(${ver.differ} differ from the studio)` : '(same answers as the studio)'}
            />
          )}
        </div>
      )}
      {ev.done > 0 && ev.labeled === 0 && classifier && <p className="muted">No labels: the quantized model is measured by how closely its outputs follow the float model's.</p>}
      <FidelityView />
    </section>
  );
}
