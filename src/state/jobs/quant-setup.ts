// Jobs that set quantization up: the calibration images (files, a folder or a .zip), and what the
// worker derives from the store (layer plan, WebGPU fallbacks), asked again whenever it changes.
import { basename } from '../../data/labels';
import { StudioError } from '../../engine/errors';
import type { AppContext, StudioState } from '../store';
import { classifyFiles, expandZips, type PickedFile } from './images';
import { newImageId } from '../images-slice';

/** Replace the calibration images with the images among these files (labels are not needed). */
export async function setCalibFiles(ctx: AppContext, picked: PickedFile[]): Promise<void> {
  const files = await expandZips(ctx, picked);
  if (!files.length) return;
  const { images, ignored } = classifyFiles(files);
  if (!images.length) {
    const names = ignored.length ? `${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', …' : ''}: ` : '';
    ctx.store.getState().pushError('No calibration images', new StudioError('bad-input', `${names}choose image files (PNG, JPEG, WebP, BMP, GIF), a folder or a .zip of them.`));
    return;
  }
  ctx.store.getState().setCalibImages(images.map((f) => ({ id: newImageId(), name: basename(f.path), path: f.path, blob: f.file })));
}

/** Calibrate on the evaluation images (e.g. the demo's), when no separate set is at hand. */
export function evalImagesForCalib(ctx: AppContext): void {
  const st = ctx.store.getState();
  st.setCalibImages(st.images.map((im) => ({ id: im.id, name: im.name, path: im.path, blob: im.blob })));
}

let asked = 0;

/** Ask the worker which bits each layer gets under the current configuration. */
export async function refreshQuantPlan(ctx: AppContext): Promise<void> {
  const st = ctx.store.getState();
  const ticket = ++asked;
  if (!st.model) {
    st.setQuantPlan([]);
    return;
  }
  try {
    const plan = await ctx.engine.planQuant(st.quantConfig);
    if (ticket === asked) ctx.store.getState().setQuantPlan(plan);
  } catch (e) {
    if (ticket === asked) ctx.store.getState().pushError('Could not place the quantizers', e);
  }
}

/** Ask the worker what onnxruntime-web's WebGPU EP will run on WASM for this calibration and format. */
export async function refreshFallbacks(ctx: AppContext): Promise<void> {
  const { calibration: from, exportOpset: opset } = ctx.store.getState();
  if (!from) return;
  try {
    const lines = await ctx.engine.webgpuFallbacks(opset);
    const s = ctx.store.getState();
    if (s.calibration === from && s.exportOpset === opset) s.setFallbacks({ from, opset, lines });
  } catch (e) {
    ctx.store.getState().pushError('Could not list the WebGPU fallbacks', e);
  }
}

/**
 * Keep what the worker derives in step with the store: the layer plan with the model and
 * configuration, the WebGPU fallbacks with the calibration and export format. Returns the unsubscribe.
 */
export function watchQuant(ctx: AppContext): () => void {
  const planChanged = (s: StudioState, p: StudioState) => s.model !== p.model || s.quantConfig !== p.quantConfig;
  const fallbacksChanged = (s: StudioState, p: StudioState) => s.calibration !== p.calibration || s.exportOpset !== p.exportOpset;
  return ctx.store.subscribe((s, prev) => {
    if (planChanged(s, prev)) void refreshQuantPlan(ctx);
    if (fallbacksChanged(s, prev)) void refreshFallbacks(ctx);
  });
}
