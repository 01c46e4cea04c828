// Page-wide drag-and-drop: an overlay says what can be dropped; a drop goes through addFiles (models
// load, images replace the set), except on an image-set zone, which shows above it and takes its own.
import { useEffect, useState } from 'react';
import { commands } from '../state/commands';
import { useApp } from './app-context';
import { droppedFiles, hasFiles } from './drop-files';

export function DropOverlay() {
  const ctx = useApp();
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e.dataTransfer)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e.dataTransfer)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = 'copy';
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (!depth) setOver(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e.dataTransfer)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      // A drop on an image-set zone (calibration, evaluation) is that zone's to handle.
      if ((e.target as Element | null)?.closest?.('[data-drop-zone]')) return;
      const st = ctx.store.getState();
      if (!commands.addFiles.enabled(st)) return;
      droppedFiles(e.dataTransfer!).then(
        (files) => commands.addFiles.perform(ctx, files),
        (err) => st.pushError('Could not read the dropped files', err),
      );
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [ctx]);
  if (!over) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-card">
        <div className="drop-title">Drop to open</div>
        <div className="muted">an .onnx model · images · a folder or .zip of images · a labels file</div>
        <div className="muted">on the calibration zone: calibration images</div>
      </div>
    </div>
  );
}
