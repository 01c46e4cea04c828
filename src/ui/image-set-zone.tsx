// A drop zone for one image set (calibration or evaluation): drop files, a folder or a .zip on
// it, or choose them with its Files… / Folder… / .zip… buttons. Drops here do not reach the page.
import { useRef, useState, type ChangeEvent, type DragEvent, type ReactNode } from 'react';
import type { PickedFile } from '../state/jobs/images';
import { droppedFiles, hasFiles } from './drop-files';

interface Props {
  title: string;
  testId: string;
  /** What the Files… chooser accepts. */
  accept: string;
  disabled: boolean;
  onFiles: (files: PickedFile[]) => void;
  /** The set as it is (count, labels) and extra actions. */
  children: ReactNode;
}

function picked(e: ChangeEvent<HTMLInputElement>): PickedFile[] {
  const files = [...(e.target.files ?? [])].map((f) => ({ file: f as Blob, path: f.webkitRelativePath || f.name }));
  e.target.value = ''; // choosing the same files again still fires change
  return files;
}

export function ImageSetZone({ title, testId, accept, disabled, onFiles, children }: Props) {
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const zip = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const list = picked(e);
    if (list.length) onFiles(list);
  };
  const drag = (e: DragEvent, entering: boolean) => {
    if (!hasFiles(e.dataTransfer) || disabled) return;
    e.preventDefault();
    setOver(entering);
  };
  const onDrop = (e: DragEvent) => {
    setOver(false);
    if (!hasFiles(e.dataTransfer) || disabled) return;
    e.preventDefault();
    droppedFiles(e.dataTransfer).then(onFiles, () => undefined);
  };
  return (
    <div
      className={`drop-zone${over ? ' drop-zone-over' : ''}`}
      data-drop-zone={testId}
      data-testid={testId}
      onDragEnter={(e) => drag(e, true)}
      onDragOver={(e) => drag(e, true)}
      onDragLeave={(e) => drag(e, false)}
      onDrop={onDrop}
    >
      <div className="zone-head">
        <h3>{title}</h3>
        <span className="spacer" />
        <button type="button" className="btn btn-small" disabled={disabled} onClick={() => files.current?.click()}>
          Files…
        </button>
        <button type="button" className="btn btn-small" disabled={disabled} onClick={() => folder.current?.click()}>
          Folder…
        </button>
        <button type="button" className="btn btn-small" disabled={disabled} onClick={() => zip.current?.click()}>
          .zip…
        </button>
      </div>
      {children}
      <input ref={files} type="file" multiple accept={accept} hidden onChange={onChange} />
      <input
        ref={(el) => {
          folder.current = el;
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        multiple
        hidden
        onChange={onChange}
      />
      <input ref={zip} type="file" accept=".zip,application/zip" hidden onChange={onChange} />
    </div>
  );
}
