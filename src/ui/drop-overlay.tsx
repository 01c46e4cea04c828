// Page-wide drag-and-drop: while files are dragged over the page an overlay says what can be
// dropped; a drop goes through the addFiles command (models load, images replace the set).
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
        <div className="muted">an .onnx model · images · a folder of images · a labels file</div>
      </div>
    </div>
  );
}
