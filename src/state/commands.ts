// User actions as small registered command objects (excalidraw style): buttons, keyboard
// shortcuts and tests all call `perform`, and `enabled` decides when a button is active.
import type { AppContext, StudioState } from './store';
import { addFiles, clearImages, type PickedFile } from './jobs/images';
import { loadDemo, loadModel } from './jobs/load';
import { cancelRun, runInference } from './jobs/run-inference';
import { quantCommands } from './quant-commands';
import { reconCommands } from './recon-commands';
import { anyJobRunning } from './quant-selectors';

export interface Command<A extends unknown[] = []> {
  name: string;
  label: string;
  /** Shown in tooltips, e.g. "Ctrl+Enter". */
  shortcut?: string;
  keyTest?: (e: KeyboardEvent) => boolean;
  enabled?: (s: StudioState) => boolean;
  perform: (ctx: AppContext, ...args: A) => Promise<unknown> | void;
}

const busy = (s: StudioState) => s.modelLoading !== null;
const running = (s: StudioState) => s.run.status === 'running';

export const commands = {
  loadModel: {
    name: 'loadModel',
    label: 'Open model…',
    enabled: (s) => !busy(s),
    perform: (ctx, file: Blob, name: string) => loadModel(ctx, file, name),
  } satisfies Command<[Blob, string]>,

  loadDemo: {
    name: 'loadDemo',
    label: 'Try the demo',
    enabled: (s) => !busy(s) && !running(s),
    perform: (ctx) => loadDemo(ctx),
  } satisfies Command,

  addFiles: {
    name: 'addFiles',
    label: 'Choose images…',
    enabled: (s) => !busy(s),
    perform: (ctx, files: PickedFile[]) => addFiles(ctx, files),
  } satisfies Command<[PickedFile[]]>,

  clearImages: {
    name: 'clearImages',
    label: 'Clear',
    enabled: (s) => s.images.length > 0 && !running(s),
    perform: (ctx) => clearImages(ctx),
  } satisfies Command,

  run: {
    name: 'run',
    label: 'Run',
    shortcut: 'Ctrl+Enter',
    keyTest: (e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey),
    enabled: (s) => s.model !== null && s.preset !== null && s.images.length > 0 && !anyJobRunning(s) && !busy(s),
    perform: (ctx) => runInference(ctx),
  } satisfies Command,

  cancel: {
    name: 'cancel',
    label: 'Cancel',
    shortcut: 'Esc',
    keyTest: (e) => e.key === 'Escape',
    enabled: (s) => running(s) && !s.run.cancelRequested,
    perform: (ctx) => cancelRun(ctx),
  } satisfies Command,

  dismissAllErrors: {
    name: 'dismissAllErrors',
    label: 'Dismiss all',
    enabled: (s) => s.errors.length > 0,
    perform: (ctx) => ctx.store.getState().dismissAllErrors(),
  } satisfies Command,

  ...quantCommands,
  ...reconCommands,
};

export type CommandName = keyof typeof commands;

/** The command a key press triggers (when it is enabled now), if any. */
export function commandForKey(e: KeyboardEvent, s: StudioState): Command | undefined {
  for (const c of Object.values(commands) as Command<unknown[]>[]) {
    if (c.keyTest?.(e) && (c.enabled?.(s) ?? true)) return c as Command;
  }
  return undefined;
}
