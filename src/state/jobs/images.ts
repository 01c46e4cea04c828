// Jobs for the image set: take chosen or dropped files (images, a labels file, maybe a model),
// make thumbnails' object URLs and resolve ground-truth labels.
import { resolveLabels, basename } from '../../data/labels';
import { StudioError } from '../../engine/errors';
import { checkFileSize } from '../../data/file-limits';
import type { AppContext } from '../store';
import { newImageId, type ImageItem } from '../images-slice';
import { cancelJob } from './job-control';
import { loadModel } from './load';
import { cancelRun } from './run-inference';

export interface PickedFile {
  file: Blob;
  /** Relative path for folder uploads (webkitRelativePath or the dropped entry's path), else the name. */
  path: string;
}

const IMAGE = /\.(png|jpe?g|webp|bmp|gif)$/i;
const LABELS = /\.(txt|csv|json)$/i;
const MODEL = /\.onnx$/i;
const ZIP = /\.zip$/i;

/** Replace each .zip among the files by the files it holds (unpacked in the worker); a bad archive is reported and skipped. */
export async function expandZips(ctx: AppContext, files: PickedFile[]): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  for (const f of files) {
    if (!ZIP.test(basename(f.path))) {
      out.push(f);
      continue;
    }
    try {
      for (const u of await ctx.engine.unzip(f.file, basename(f.path))) out.push({ file: u.blob, path: u.path });
    } catch (e) {
      ctx.store.getState().pushError(`Could not open ${basename(f.path)}`, e);
    }
  }
  return out;
}

/** Sort picked files into images, at most one labels file and at most one model. */
export function classifyFiles(files: PickedFile[]): { images: PickedFile[]; labels?: PickedFile; model?: PickedFile; ignored: string[] } {
  const images: PickedFile[] = [];
  const ignored: string[] = [];
  let labels: PickedFile | undefined;
  let model: PickedFile | undefined;
  for (const f of files) {
    const name = basename(f.path);
    if (name.startsWith('.')) continue;
    if (MODEL.test(name)) model ??= f;
    else if (IMAGE.test(name) || f.file.type.startsWith('image/')) images.push(f);
    else if (LABELS.test(name)) labels ??= f;
    else ignored.push(name);
  }
  images.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { images, labels, model, ignored };
}

/** Files from the chooser or a drop: a model is loaded, images replace the current set. */
export async function addFiles(ctx: AppContext, picked: PickedFile[]): Promise<void> {
  const files = await expandZips(ctx, picked);
  if (!files.length) return;
  const { images, labels, model, ignored } = classifyFiles(files);
  const st = ctx.store.getState();
  if (ignored.length && !images.length && !model && !labels) {
    st.pushError('Nothing to open', new StudioError('bad-input', `${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', …' : ''}: not an .onnx model, an image (PNG, JPEG, WebP, BMP, GIF), a .zip of images or a labels file (.txt, .csv, .json).`));
    return;
  }
  if (model) await loadModel(ctx, model.file, basename(model.path));
  if (labels) {
    try {
      checkFileSize(labels.file.size, 'labels', basename(labels.path));
      st.setLabelsFile({ name: basename(labels.path), text: await labels.file.text() });
    } catch (e) {
      st.pushError(`Could not read ${basename(labels.path)}`, e);
    }
  }
  if (images.length) {
    if (ctx.store.getState().run.status === 'running') await cancelRun(ctx, true);
    await cancelJob(ctx, 'eval', true);
    await cancelJob(ctx, 'verify', true);
    if (!labels) st.setLabelsFile(null);
    setImageBlobs(
      ctx,
      images.map((f) => ({ blob: f.file, path: f.path })),
    );
  }
  relabel(ctx);
}

/** Replace the image set with these blobs. */
export function setImageBlobs(ctx: AppContext, blobs: { blob: Blob; path: string; url?: string }[]): void {
  const items: ImageItem[] = blobs.map(({ blob, path, url }) => ({
    id: newImageId(),
    name: basename(path),
    path,
    blob,
    url: url ?? URL.createObjectURL(blob),
  }));
  ctx.store.getState().setImages(items);
}

/** Ground truth for the current images from the labels file, file names or folders. */
export function relabel(ctx: AppContext): void {
  const st = ctx.store.getState();
  if (!st.images.length) return;
  const classes = st.preset?.classes;
  try {
    const r = resolveLabels(
      st.images.map((im) => im.path),
      { classes, labelsFile: st.labelsFile ?? undefined },
    );
    st.setLabels(r.labels, r.classes, r.source);
  } catch (e) {
    st.pushError('Could not read the labels', e);
    st.setLabels([], classes ?? [], 'none');
  }
}

export function clearImages(ctx: AppContext): void {
  ctx.store.getState().clearImages();
}
