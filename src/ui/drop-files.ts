// Files from a drag-and-drop, folders included: walks FileSystemEntry trees so a dropped folder
// yields every file with its relative path (what <input webkitdirectory> gives for a chosen one).
import type { PickedFile } from '../state/jobs/images';

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    // readEntries returns at most ~100 entries per call; call until it returns none.
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) return resolve(out);
        out.push(...batch);
        next();
      }, reject);
    next();
  });
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    out.push({ file: await fileOf(entry as FileSystemFileEntry), path });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, out);
  }
}

/** Every file in a drop; the entries must be taken synchronously, inside the drop handler. */
export function droppedFiles(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = [...dt.items]
    .filter((it) => it.kind === 'file')
    .map((it) => it.webkitGetAsEntry?.() ?? null);
  if (!entries.length || entries.some((e) => e === null)) {
    return Promise.resolve([...dt.files].map((f) => ({ file: f, path: f.name })));
  }
  return (async () => {
    const out: PickedFile[] = [];
    for (const e of entries) await walk(e!, out);
    return out;
  })();
}

export function hasFiles(dt: DataTransfer | null): boolean {
  return Boolean(dt && [...dt.types].includes('Files'));
}
