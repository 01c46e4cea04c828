// Jobs that load things: a model file into the worker (its summary shown; a failure keeps what
// was loaded before), and "Try the demo" — the bundled ResNet-20 and 300 CIFAR-10 test images,
// fetched from our own origin (public/demo), loaded and run in one click.
import { presetForInputShape, type Preset } from '../../data/presets';
import { dynamicSizePreset, hasDynamicSize } from '../../data/input-size';
import { StudioError } from '../../engine/errors';
import type { ModelSummary } from '../../engine/types';
import type { AppContext } from '../store';
import { relabel, setImageBlobs } from './images';
import { cancelQuantJobs } from './job-control';
import { cancelRun, runInference } from './run-inference';
import { contentHash } from '../content-hash';
import { checkFileSize } from '../../data/file-limits';

export async function loadModel(ctx: AppContext, file: Blob, name: string): Promise<boolean> {
  const { store, engine } = ctx;
  if (store.getState().run.status === 'running') await cancelRun(ctx, true);
  await cancelQuantJobs(ctx);
  store.getState().setModelLoading(name);
  try {
    checkFileSize(file.size, 'model', name);
    const [summary, sha256] = await Promise.all([engine.loadModel(file, name), contentHash(file)]);
    store.getState().setModel(summary, file.size, guessPreset(ctx, summary), sha256);
    store.getState().resetQuantResults(); // they belong to the previous model
    relabel(ctx);
    return true;
  } catch (e) {
    store.getState().pushError(`Could not load ${name}`, e);
    return false;
  } finally {
    store.getState().setModelLoading(null);
  }
}

/** The preset for the model's image input (ImageNet's 224×224 when its H and W are not fixed: the size field sets them); a model without one gets an error but stays loaded. */
function guessPreset(ctx: AppContext, summary: ModelSummary): Preset | null {
  const input = summary.inputs[0];
  if (!input) return null;
  try {
    if (hasDynamicSize(input.shape) && (input.shape[1] === 1 || input.shape[1] === 3 || typeof input.shape[1] !== 'number')) return dynamicSizePreset(input.shape);
    return presetForInputShape(input.shape);
  } catch (e) {
    ctx.store.getState().pushError(`${summary.fileName}: no image preprocessing fits input "${input.name}"`, e);
    return null;
  }
}

export interface DemoManifest {
  name: string;
  model: string;
  classes: string[];
  images: string[];
}

const DEMO_BASE = `${import.meta.env.BASE_URL}demo/`;

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new StudioError('bad-input', `The demo file ${url} could not be fetched (HTTP ${r.status}); the site is missing public/demo — run scripts/make-demo.mjs and rebuild.`);
  return r;
}

/** Fetch in order with a few requests at a time. */
async function fetchAll(urls: string[], concurrency = 8): Promise<Blob[]> {
  const out: Blob[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      out[i] = await (await fetchOk(urls[i])).blob();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

export async function loadDemo(ctx: AppContext): Promise<void> {
  const st = ctx.store.getState();
  let manifest: DemoManifest;
  let model: Blob;
  try {
    manifest = (await (await fetchOk(`${DEMO_BASE}manifest.json`)).json()) as DemoManifest;
    st.setModelLoading(manifest.model);
    model = await (await fetchOk(DEMO_BASE + manifest.model)).blob();
  } catch (e) {
    st.setModelLoading(null);
    st.pushError('Could not load the demo', e);
    return;
  }
  // Model and images download together; the model loads while the images arrive.
  const images = fetchAll(manifest.images.map((p) => DEMO_BASE + p));
  images.catch(() => undefined);
  if (!(await loadModel(ctx, model, manifest.model))) return;
  let blobs: Blob[];
  try {
    blobs = await images;
  } catch (e) {
    st.pushError('Could not load the demo images', e);
    return;
  }
  st.setLabelsFile(null);
  setImageBlobs(
    ctx,
    blobs.map((blob, i) => ({ blob, path: manifest.images[i] })),
  );
  relabel(ctx);
  await runInference(ctx);
}
