// Errors as a dismissable stack under the toolbar: what failed, the StudioError's message (which
// names the file and what to do) and its code. Nothing else on the page is reset by an error.
import { CommandButton, useStudio } from './app-context';
import { commands } from '../state/commands';

export function ErrorPanel() {
  const errors = useStudio((s) => s.errors);
  const dismiss = useStudio((s) => s.dismissError);
  if (!errors.length) return null;
  return (
    <section className="errors" aria-label="Errors">
      {errors.map((e) => (
        <div key={e.id} className="error" role="alert" data-code={e.code}>
          <div className="error-body">
            <div className="error-title">
              {e.title}
              <span className="error-code">{e.code}</span>
            </div>
            <div className="error-message">{e.message}</div>
          </div>
          <button type="button" className="icon-btn" aria-label="Dismiss" title="Dismiss" onClick={() => dismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
      {errors.length > 1 && (
        <div className="errors-actions">
          <CommandButton command={commands.dismissAllErrors} />
        </div>
      )}
    </section>
  );
}

export function DeviceBanner() {
  const device = useStudio((s) => s.device);
  if (device.status !== 'unavailable') return null;
  return (
    <section className="banner" role="status" data-testid="no-webgpu">
      <strong>WebGPU is not available — models cannot run on this page.</strong>
      <div>{device.message}</div>
    </section>
  );
}
