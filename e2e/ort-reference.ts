// The expected answers for e2e: onnxruntime-node on the same images with the same preprocessing
// (RGB/255, ImageNet mean and std), so the page's accuracy can be checked against onnxruntime's.
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PNG } from 'pngjs';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function chw(path: string): Float32Array {
  const png = PNG.sync.read(readFileSync(path));
  const n = png.width * png.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) out[c * n + i] = (png.data[4 * i + c] / 255 - MEAN[c]) / STD[c];
  }
  return out;
}

export interface Reference {
  top1: number[];
  labels: number[];
  correct: number;
}

/** Top-1 of every image with onnxruntime, and the labels from the NNNN_class.png names. */
export async function ortTop1(model: string, images: string[], classes: string[]): Promise<Reference> {
  const session = await ort.InferenceSession.create(model);
  const [inName] = session.inputNames;
  const [outName] = session.outputNames;
  const top1: number[] = [];
  for (let i = 0; i < images.length; i += 50) {
    const batch = images.slice(i, i + 50);
    const data = new Float32Array(batch.length * 3 * 32 * 32);
    batch.forEach((p, k) => data.set(chw(p), k * 3 * 32 * 32));
    const out = await session.run({ [inName]: new ort.Tensor('float32', data, [batch.length, 3, 32, 32]) });
    const logits = out[outName].data as Float32Array;
    const k = logits.length / batch.length;
    for (let r = 0; r < batch.length; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
      top1.push(best);
    }
  }
  await session.release();
  const labels = images.map((p) => classes.indexOf(/^\d+_(.+)\.png$/.exec(basename(p))![1]));
  const correct = top1.filter((t, i) => t === labels[i]).length;
  return { top1, labels, correct };
}
