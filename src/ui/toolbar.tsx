// The top bar: open a model, choose images or a folder, try the demo, and the GPU the worker got.
// File buttons open hidden <input type=file> choosers; their files go through the same commands.
import { useRef, type ChangeEvent } from 'react';
import { commands } from '../state/commands';
import type { PickedFile } from '../state/jobs/images';
import { CommandButton, useApp, useStudio } from './app-context';

function picked(e: ChangeEvent<HTMLInputElement>): PickedFile[] {
  const files = [...(e.target.files ?? [])].map((f) => ({ file: f as Blob, path: f.webkitRelativePath || f.name }));
  e.target.value = ''; // choosing the same file again still fires change
  return files;
}

export function Toolbar() {
  const ctx = useApp();
  const modelInput = useRef<HTMLInputElement>(null);
  const imagesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const canOpen = useStudio((s) => commands.loadModel.enabled(s));
  const canAdd = useStudio((s) => commands.addFiles.enabled(s));

  const onModel = (e: ChangeEvent<HTMLInputElement>) => {
    const [f] = picked(e);
    if (f) void commands.loadModel.perform(ctx, f.file, f.path);
  };
  const onImages = (e: ChangeEvent<HTMLInputElement>) => {
    const files = picked(e);
    if (files.length) void commands.addFiles.perform(ctx, files);
  };

  return (
    <header className="toolbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        Quant Studio
      </div>
      <div className="toolbar-group">
        <button type="button" className="btn btn-primary" disabled={!canOpen} onClick={() => modelInput.current?.click()}>
          {commands.loadModel.label}
        </button>
        <button type="button" className="btn" disabled={!canAdd} onClick={() => imagesInput.current?.click()}>
          {commands.addFiles.label}
        </button>
        <button type="button" className="btn" disabled={!canAdd} onClick={() => folderInput.current?.click()}>
          Choose folder…
        </button>
        <span className="toolbar-sep" />
        <CommandButton command={commands.loadDemo} />
      </div>
      <DeviceChip />
      <input ref={modelInput} type="file" accept=".onnx" hidden data-testid="model-input" onChange={onModel} />
      <input
        ref={imagesInput}
        type="file"
        multiple
        accept="image/*,.txt,.csv,.json,.onnx"
        hidden
        data-testid="images-input"
        onChange={onImages}
      />
      <input
        ref={(el) => {
          folderInput.current = el;
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        multiple
        hidden
        data-testid="folder-input"
        onChange={onImages}
      />
    </header>
  );
}

function DeviceChip() {
  const device = useStudio((s) => s.device);
  if (device.status === 'pending') return <div className="chip chip-muted">GPU: starting…</div>;
  if (device.status === 'unavailable') {
    return (
      <div className="chip chip-bad" title={device.message}>
        No WebGPU
      </div>
    );
  }
  return (
    <div className="chip chip-good" title={device.features.join(', ')} data-testid="device">
      <span className="dot" />
      {device.adapter}
    </div>
  );
}
