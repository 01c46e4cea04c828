// Ground-truth labels for a set of image paths: from a labels file (labels.txt, CSV, JSON), from
// file names like 0003_airplane.png, or from one folder per class (cat/img1.png).
import { StudioError } from '../engine/errors';

export interface LabelsFile {
  name: string;
  text: string;
}

export interface ResolvedLabels {
  /** Class index per path, undefined where the label is unknown. */
  labels: (number | undefined)[];
  classes: string[];
  /** Where the labels came from, for display ("file names", "labels.json (test)", ...). */
  source: string;
}

const NAME_LABEL = /^\d+[_-](.+)\.(png|jpe?g|webp|bmp|gif)$/i;

export function basename(path: string): string {
  return path.slice(path.replace(/\\/g, '/').lastIndexOf('/') + 1);
}

function parentName(path: string): string | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/**
 * Labels for `paths` (in the order given). A labels file wins; otherwise file names, then
 * folders. Names are matched to `classes` (case-insensitive) or read as class numbers; without
 * a class list the sorted distinct names become the classes.
 */
export function resolveLabels(
  paths: string[],
  opts: { classes?: string[]; labelsFile?: LabelsFile } = {},
): ResolvedLabels {
  if (opts.labelsFile) return fromLabelsFile(paths, opts.labelsFile, opts.classes);
  const byName = paths.map((p) => NAME_LABEL.exec(basename(p))?.[1]);
  if (paths.length && byName.every((n) => n !== undefined)) {
    const r = toIndices(byName, opts.classes);
    if (r) return { ...r, source: 'file names (NNNN_class.png)' };
  }
  const folders = paths.map(parentName);
  const distinct = new Set(folders);
  if (paths.length && folders.every((f) => f !== undefined) && (opts.classes || distinct.size >= 2)) {
    const r = toIndices(folders, opts.classes);
    if (r) return { ...r, source: 'folder per class' };
  }
  return { labels: paths.map(() => undefined), classes: opts.classes ?? [], source: 'none' };
}

/**
 * Names → class indices (undefined names stay unlabeled). With a class list every name must be a
 * class or a number below its length (else undefined: this source does not apply); without one,
 * the sorted distinct names.
 */
function toIndices(
  names: (string | number | undefined)[],
  classes?: string[],
): { labels: (number | undefined)[]; classes: string[] } | undefined {
  if (classes) {
    const lower = classes.map((c) => c.toLowerCase());
    const labels = names.map((n) => classIndex(n, lower));
    return labels.every((l, i) => l !== undefined || names[i] === undefined) ? { labels, classes } : undefined;
  }
  const strs = names.map((n) => (n === undefined ? undefined : String(n)));
  if (strs.every((s) => s === undefined || /^\d+$/.test(s))) {
    const labels = strs.map((s) => (s === undefined ? undefined : Number(s)));
    const k = Math.max(0, ...labels.map((l) => (l ?? -1) + 1));
    return { labels, classes: Array.from({ length: k }, (_, i) => String(i)) };
  }
  const found = [...new Set(strs.filter((s): s is string => s !== undefined))].sort();
  return { labels: strs.map((s) => (s === undefined ? undefined : found.indexOf(s))), classes: found };
}

function classIndex(n: string | number | undefined, lowerClasses: string[]): number | undefined {
  if (n === undefined) return undefined;
  const s = String(n).trim();
  const i = lowerClasses.indexOf(s.toLowerCase());
  if (i >= 0) return i;
  if (/^\d+$/.test(s) && Number(s) < lowerClasses.length) return Number(s);
  return undefined;
}

function badLabels(file: LabelsFile, what: string): StudioError {
  return new StudioError('bad-input', `${file.name}: ${what}. Fix the labels file, or leave it out (labels then come from the file or folder names).`, file.name);
}

function fromLabelsFile(paths: string[], file: LabelsFile, classes?: string[]): ResolvedLabels {
  const lower = file.name.toLowerCase();
  if (lower.endsWith('.json')) return fromJson(paths, file, classes);
  const lines = file.text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lower.endsWith('.csv') || lines.some((l) => l.includes(','))) return fromCsv(paths, file, lines, classes);
  return inSortedOrder(paths, file, lines, classes, `${file.name} (one label per line)`);
}

/** One label per image, in sorted file order (the order a directory listing shows). */
function inSortedOrder(
  paths: string[],
  file: LabelsFile,
  values: (string | number)[],
  classes: string[] | undefined,
  source: string,
): ResolvedLabels {
  if (values.length !== paths.length) {
    throw badLabels(
      file,
      `has ${values.length} labels but there are ${paths.length} images; it needs one label per image in sorted file-name order`,
    );
  }
  const order = paths.map((_, i) => i).sort((a, b) => (paths[a] < paths[b] ? -1 : paths[a] > paths[b] ? 1 : 0));
  const byPath: (string | number)[] = new Array(paths.length);
  order.forEach((pathIndex, k) => (byPath[pathIndex] = values[k]));
  return withClasses(file, byPath, classes, source);
}

function withClasses(
  file: LabelsFile,
  names: (string | number | undefined)[],
  classes: string[] | undefined,
  source: string,
): ResolvedLabels {
  const r = toIndices(names, classes);
  if (!r) {
    const bad = names.find((n) => n !== undefined && classIndex(n, (classes ?? []).map((c) => c.toLowerCase())) === undefined);
    throw badLabels(file, `label "${bad}" is not one of the classes (${(classes ?? []).join(', ')}) nor a class number`);
  }
  return { ...r, source };
}

/** CSV `file,label` (an optional header row); files match by relative path or base name. */
function fromCsv(paths: string[], file: LabelsFile, lines: string[], classes?: string[]): ResolvedLabels {
  const map = new Map<string, string>();
  lines.forEach((line, i) => {
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length < 2) throw badLabels(file, `line ${i + 1} "${line}" is not "file,label"`);
    if (i === 0 && /^(file|filename|path|image|name)$/i.test(cells[0])) return;
    map.set(cells[0].replace(/\\/g, '/'), cells[cells.length - 1]);
  });
  const names = paths.map((p) => {
    const norm = p.replace(/\\/g, '/');
    const direct = map.get(norm) ?? map.get(basename(norm));
    if (direct !== undefined) return direct;
    for (const [k, v] of map) if (norm.endsWith('/' + k)) return v;
    return undefined;
  });
  if (paths.length && names.every((n) => n === undefined)) {
    throw badLabels(file, `names none of the ${paths.length} images (first image: ${paths[0]}); the first column must be the image file name`);
  }
  return withClasses(file, names, classes, `${file.name} (CSV)`);
}

/**
 * JSON: an array of labels in sorted file order; {classes, <split>: [...]} as CIFAR's
 * labels.json (the split named by a folder in the paths, or the one with a label per image);
 * or an object mapping file names to labels.
 */
function fromJson(paths: string[], file: LabelsFile, classes?: string[]): ResolvedLabels {
  let json: unknown;
  try {
    json = JSON.parse(file.text);
  } catch (e) {
    throw badLabels(file, `is not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(json)) return inSortedOrder(paths, file, json as (string | number)[], classes, `${file.name}`);
  if (!json || typeof json !== 'object') throw badLabels(file, 'must hold an array of labels or an object');
  const obj = json as Record<string, unknown>;
  const cls = Array.isArray(obj.classes) ? (obj.classes as unknown[]).map(String) : classes;
  const splits = Object.keys(obj).filter((k) => k !== 'classes' && Array.isArray(obj[k]));
  if (splits.length) {
    const segments = new Set(paths.flatMap((p) => p.replace(/\\/g, '/').split('/').slice(0, -1)));
    const split =
      splits.find((s) => segments.has(s)) ??
      splits.find((s) => (obj[s] as unknown[]).length === paths.length) ??
      (splits.length === 1 ? splits[0] : undefined);
    if (!split) {
      throw badLabels(file, `has lists ${splits.join(', ')}; none is named by the image folder or has ${paths.length} labels`);
    }
    return inSortedOrder(paths, file, obj[split] as (string | number)[], cls, `${file.name} (${split})`);
  }
  const entries = Object.entries(obj).filter(([k]) => k !== 'classes');
  const labelsFile: LabelsFile = { name: file.name, text: entries.map(([k, v]) => `${k},${String(v)}`).join('\n') };
  const lines = labelsFile.text.split('\n').filter(Boolean);
  return { ...fromCsv(paths, labelsFile, lines, cls), source: `${file.name} (file → label)` };
}
