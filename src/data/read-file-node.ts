// Reads files for the CLI: regular files only, within the size bound of their kind (file-limits.ts),
// opened without blocking, so a FIFO, a device (/dev/zero) or a symlink to one fails at once with a message.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { StudioError } from '../engine/errors';
import { checkFileSize, type FileKind } from './file-limits';

/** What a non-regular file is, in words ('' for a regular file). */
export function specialKind(st: Stats): string {
  if (st.isFile()) return '';
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device (like /dev/zero)';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function unreadable(path: string, name: string, e: unknown, kind: FileKind): StudioError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'ELOOP' ? 'is a symbolic link that loops' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code})`;
  return new StudioError(kind === 'image' ? 'bad-image' : 'bad-input', `${name} ${why}; give the path of a readable file${path !== name ? ` (${path})` : ''}.`, name);
}

/** Throws unless `path` (symlinks followed) is a regular file within the bound of `kind`; returns its size. */
export function checkRegularFile(path: string, kind: FileKind, name = path): number {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw unreadable(path, name, e, kind);
  }
  refuseSpecial(st, path, name, kind);
  return st.size;
}

function refuseSpecial(st: Stats, path: string, name: string, kind: FileKind): void {
  const special = specialKind(st);
  if (special) {
    throw new StudioError(kind === 'image' ? 'bad-image' : 'bad-input', `${name}${path !== name ? ` (${path})` : ''} is ${special}, not a regular file; the studio reads only regular files. Give the path of the file itself.`, name);
  }
  checkFileSize(st.size, kind, name);
}

/** The bytes of a regular file (symlinks followed), at most its kind's bound; never blocks on a FIFO or device. */
export function readRegularFile(path: string, kind: FileKind, name = path): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw unreadable(path, name, e, kind);
  }
  try {
    const st = fstatSync(fd);
    refuseSpecial(st, path, name, kind);
    // Read exactly the size stat gave: a file growing meanwhile is cut there, never read forever.
    const out = new Uint8Array(st.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, null);
      if (n === 0) break;
      at += n;
    }
    return at === out.length ? out : out.subarray(0, at);
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw unreadable(path, name, e, kind);
  } finally {
    closeSync(fd);
  }
}

/** A regular text file's contents as UTF-8. */
export function readRegularText(path: string, kind: FileKind, name = path): string {
  return new TextDecoder().decode(readRegularFile(path, kind, name));
}
