// Step 1 of quantizing: the calibration images and the labelled evaluation images, each with its own
// drop zone and choosers, then data-free SQuant or Calibrate, with progress (ETA, cancellable).
import { commands } from '../state/commands';
import { pickCalibration } from '../state/quant-config-slice';
import { calibrationStale } from '../state/quant-selectors';
import { CommandButton, useApp, useStudio } from './app-context';
import { ImageSetZone } from './image-set-zone';
import { JobProgress } from './job-progress';
import { formatDuration } from './format';
import { DataFreeRow } from './data-free-row';

export function QuantPanel() {
  return (
    <section className="panel quant-panel" aria-label="Quantize">
      <div className="panel-head">
        <h2>Quantize</h2>
        <span className="muted">calibrate on a few hundred training images, evaluate on labelled ones</span>
      </div>
      <div className="zones">
        <CalibZone />
        <EvalZone />
      </div>
      <DataFreeRow />
      <CalibrateRow />
    </section>
  );
}

function CalibZone() {
  const ctx = useApp();
  const count = useStudio((s) => s.calibImages.length);
  const wanted = useStudio((s) => s.quantConfig.calibCount);
  const enabled = useStudio((s) => commands.setCalibFiles.enabled(s));
  const evalCount = useStudio((s) => s.images.length);
  const used = Math.min(count, wanted);
  return (
    <ImageSetZone title="Calibration images" testId="calib-zone" accept="image/*,.zip" disabled={!enabled} onFiles={(f) => void commands.setCalibFiles.perform(ctx, f)}>
      {count ? (
        <div className="zone-body">
          <strong data-testid="calib-count">{count}</strong> image{count === 1 ? '' : 's'}
          <span className="muted">
            {' '}
            · {used === count ? 'all used' : `${used} used, spread over the set`} (count in Configuration)
          </span>
          <span className="spacer" />
          <CommandButton command={commands.clearCalibImages} />
        </div>
      ) : (
        <div className="zone-body muted">
          Drop images, a folder or a .zip here: unlabelled training images, e.g. 256.
          {evalCount > 0 && (
            <>
              {' '}
              <CommandButton command={commands.useEvalForCalib} variant="plain" title="Calibrating on the evaluation images makes the accuracy optimistic">
                Use the evaluation images
              </CommandButton>
            </>
          )}
        </div>
      )}
    </ImageSetZone>
  );
}

function EvalZone() {
  const ctx = useApp();
  const count = useStudio((s) => s.images.length);
  const source = useStudio((s) => s.labelSource);
  const enabled = useStudio((s) => commands.addFiles.enabled(s));
  return (
    <ImageSetZone title="Evaluation images" testId="eval-zone" accept="image/*,.zip,.txt,.csv,.json" disabled={!enabled} onFiles={(f) => void commands.addFiles.perform(ctx, f)}>
      {count ? (
        <div className="zone-body">
          <strong data-testid="eval-count">{count}</strong> image{count === 1 ? '' : 's'}
          <span className="muted"> · {source === 'none' ? 'no labels found: top-1 needs labels' : `labelled by ${source}`}</span>
        </div>
      ) : (
        <div className="zone-body muted">Labelled images (NNNN_class.png, a folder per class, or with a labels file); also used by “Run float inference”.</div>
      )}
    </ImageSetZone>
  );
}

function CalibrateRow() {
  const calibration = useStudio((s) => s.calibration);
  const stale = useStudio(calibrationStale);
  const count = useStudio((s) => pickCalibration(s.calibImages, s.quantConfig.calibCount).length);
  return (
    <>
      <div className="run-row calibrate-row">
        <CommandButton command={commands.calibrate} variant="primary">
          Calibrate{count ? ` on ${count} image${count === 1 ? '' : 's'}` : ''}
        </CommandButton>
        {calibration && !calibration.dataFree && (
          <span className="muted" data-testid="calib-summary">
            calibrated W{calibration.config.wBits}A{calibration.config.aBits} ({calibration.config.wObserver}
            {calibration.config.aObserver !== calibration.config.wObserver ? ` / ${calibration.config.aObserver}` : ''}) on {calibration.images} images in {formatDuration(calibration.ms)}
          </span>
        )}
        {stale && (
          <span className="warn" data-testid="calib-stale">
            the configuration changed since: calibrate again
          </span>
        )}
      </div>
      <JobProgress kind="calib" testId="calib" cancel={commands.cancelCalibration} unit="steps" />
    </>
  );
}
