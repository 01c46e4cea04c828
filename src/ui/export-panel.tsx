// Export: the QDQ .onnx in opset 13 (int8/uint8) or opset 21 (int4 weights), the JSON report, what
// onnxruntime-web's WebGPU EP will run on WASM, and a check of the file in onnxruntime-web.
import { commands } from '../state/commands';
import type { ExportOpset } from '../state/quant-config-slice';
import { calibrationFileName } from '../state/jobs/data-free';
import { CommandButton, useApp, useStudio } from './app-context';
import { JobProgress } from './job-progress';

const FORMATS: { opset: ExportOpset; label: string; title: string }[] = [
  { opset: 13, label: 'Opset 13 · int8/uint8', title: 'every onnxruntime since 1.8; weights below 8 bits are stored in 8-bit codes limited to their grid' },
  { opset: 21, label: 'Opset 21 · int4 weights', title: 'weights of 4 bits or fewer as int4/uint4 (two per byte); needs onnxruntime ≥ 1.20' },
];

export function ExportPanel() {
  const ctx = useApp();
  const calibration = useStudio((s) => s.calibration);
  const modelFile = useStudio((s) => s.model?.fileName ?? 'model.onnx');
  const opset = useStudio((s) => s.exportOpset);
  const fallbacks = useStudio((s) => (s.fallbacks && s.fallbacks.from === s.calibration && s.fallbacks.opset === s.exportOpset ? s.fallbacks.lines : null));
  const exported = useStudio((s) => (s.exported && s.exported.from === s.calibration && s.exported.opset === s.exportOpset ? s.exported : null));
  const busy = useStudio((s) => s.jobs.verify.status === 'running' || s.jobs.calib.status === 'running' || s.jobs.recon.status === 'running');
  if (!calibration) return null;
  const fileName = calibrationFileName(modelFile, calibration, opset);
  return (
    <section className="panel" aria-label="Export">
      <div className="panel-head">
        <h2>Export</h2>
        <span className="muted">QDQ ONNX that onnxruntime runs with the studio's answers</span>
      </div>
      <div className="export-row">
        <div className="segmented" role="radiogroup" aria-label="Export format">
          {FORMATS.map((f) => (
            <label key={f.opset} className={opset === f.opset ? 'seg active' : 'seg'} title={f.title}>
              <input type="radio" name="opset" value={f.opset} checked={opset === f.opset} disabled={busy} onChange={() => ctx.store.getState().setExportOpset(f.opset)} />
              {f.label}
            </label>
          ))}
        </div>
        <span className="mono file-name" data-testid="export-name" title={fileName}>
          {fileName}
        </span>
        {exported && <span className="muted">{(exported.blob.size / 1024).toFixed(1)} KiB</span>}
      </div>
      <div className="run-row">
        <CommandButton command={commands.downloadModel} variant="primary" />
        <CommandButton command={commands.downloadReport} />
        <span className="spacer" />
        <CommandButton command={commands.verify} title="Load the exported file in onnxruntime-web (WASM) and run the evaluation images" />
      </div>
      <JobProgress kind="verify" testId="verify" cancel={commands.cancelVerify} unit="images" />
      {fallbacks && (
        <div className="fallbacks" data-testid="webgpu-fallbacks">
          <h3>In onnxruntime-web with the WebGPU EP</h3>
          {fallbacks.length ? (
            <ul>
              {fallbacks.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">Every node runs on WebGPU.</p>
          )}
        </div>
      )}
    </section>
  );
}
