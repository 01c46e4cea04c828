// Whole models against onnxruntime: ResNet-20 on the 1000 CIFAR-10 test images (the reference
// 91.5 %) and MNIST-8 on the first 2000 MNIST test images (its input is fixed at batch 1: 2000 runs;
// `npm run bench` measures all 10000, the reference 98.90 %). Logits agree per image (relative
// L2 ≤ 1e-4), top-1 is identical.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { Session } from './session';
import { testGpu } from '../test/helpers';
import { openImageSet } from '../data/image-set-node';
import { PRESETS, type Preset } from '../data/presets';
import { cifarTestDir, mnist8, mnistImages, resnet20 } from '../data/test-paths';

const argmax = (a: Float32Array, off: number, n: number) => {
  let best = 0;
  for (let k = 1; k < n; k++) if (a[off + k] > a[off + best]) best = k;
  return best;
};

async function compare(modelPath: string, images: string, preset: Preset, batch: number, limit?: number) {
  const bytes = readFileSync(modelPath);
  const session = await Session.load(await testGpu(), new Uint8Array(bytes), modelPath);
  const ref = await ort.InferenceSession.create(bytes);
  const input = session.summary.inputs[0].name;
  const set = openImageSet(images, preset, { limit });
  let correct = 0;
  let refCorrect = 0;
  let agree = 0;
  let worst = 0;
  let count = 0;
  for (const b of set.batches(batch)) {
    const ours = Object.values(await session.run({ [input]: { data: b.data, shape: b.shape } }))[0].data;
    const theirs = Object.values(await ref.run({ [input]: new ort.Tensor('float32', b.data, b.shape) }))[0].data as Float32Array;
    const classes = ours.length / b.shape[0];
    for (let i = 0; i < b.shape[0]; i++) {
      let num = 0;
      let den = 0;
      for (let k = 0; k < classes; k++) {
        num += (ours[i * classes + k] - theirs[i * classes + k]) ** 2;
        den += theirs[i * classes + k] ** 2;
      }
      worst = Math.max(worst, Math.sqrt(num / den));
      const top = argmax(ours, i * classes, classes);
      if (top === argmax(theirs, i * classes, classes)) agree++;
      if (top === b.labels[i]) correct++;
      if (argmax(theirs, i * classes, classes) === b.labels[i]) refCorrect++;
      count++;
    }
  }
  session.dispose();
  console.log(`${modelPath.split('/').pop()}: ${count} images, top-1 ${(100 * correct / count).toFixed(2)} %, top-1 agreement with onnxruntime ${agree}/${count}, worst relative L2 ${worst.toExponential(2)}`);
  return { count, accuracy: correct / count, refAccuracy: refCorrect / count, agree, worst };
}

describe('whole models match onnxruntime', () => {
  it('ResNet-20 on 1000 CIFAR-10 test images: 91.5 %', async () => {
    const r = await compare(resnet20, cifarTestDir, PRESETS.cifar10, 32);
    expect(r.count).toBe(1000);
    expect(r.worst).toBeLessThan(1e-4);
    expect(r.agree).toBe(r.count);
    expect(r.accuracy).toBeCloseTo(0.915, 4);
  }, 900_000);

  it('MNIST-8 on the first 2000 MNIST test images: onnxruntime\'s accuracy', async () => {
    const r = await compare(mnist8, mnistImages, PRESETS.mnist, 1, 2000);
    expect(r.count).toBe(2000);
    expect(r.worst).toBeLessThan(1e-4);
    expect(r.agree).toBe(r.count);
    expect(r.accuracy).toBe(r.refAccuracy);
    expect(r.accuracy).toBeGreaterThan(0.97);
  }, 900_000);
});
