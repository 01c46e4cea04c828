// The run-level cache plan from shapes alone: on made-up blocks (precision, bytes, peak, skipped
// blocks, the first error), reconstruct() stopping before it allocates, and ResNet-18 / MobileNetV2
// at 224² with 1024 images within the default budget (no calibration: the config places the layers).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { StudioError } from '../engine/errors';
import { readModel } from '../onnx/read';
import { resnet20, sharedDir, sharedMissing } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG, type QuantConfig } from '../quant/types';
import { randArray, rng, testGpu } from '../test/helpers';
import { planBlockCaches, planRunCaches, type RunCachePlan } from './cache-plan';
import type { Block } from './blocks';
import { RECON_DEFAULTS, reconstruct } from './reconstruct';

const zoo = path.join(sharedDir, 'models/zoo');
const MiB = 2 ** 20;
const config: QuantConfig = { ...DEFAULT_CONFIG, wBits: 4, aBits: 4 };
const budget = { cacheMiB: RECON_DEFAULTS.cacheMiB, cachePrecision: RECON_DEFAULTS.cachePrecision };

/** A zoo model at 1×3×224×224. */
async function load(name: string): Promise<Session> {
  const bytes = readFileSync(path.join(zoo, `${name}.onnx`));
  const model = readModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
  const v = model.graph.inputs.find((x) => !model.graph.initializers.has(x.name))!;
  v.shape = [1, 3, 224, 224];
  return Session.fromModel(await testGpu(), model, name);
}

describe('cache plan of a run', () => {
  const block = (index: number, input: string, output: string, layers: string[]): Block => ({ index, name: `b${index}`, kind: 'layer', nodes: [], input, output, layers, acts: [] });
  const shapes: Record<string, number[]> = { in: [1, 1000], a: [1, 2000], b: [1, 500], c: [1, 10] };
  const blocks = [block(0, 'in', 'a', ['l0']), block(1, 'a', 'b', ['float']), block(2, 'b', 'c', ['l2']), block(3, 'a', 'b', ['l3'])];
  const plan = (count: number, o: Partial<Parameters<typeof planBlockCaches>[4]> = {}) =>
    planBlockCaches(blocks, (t) => shapes[t], 'in', (l) => l !== 'float', { cacheMiB: 1, cachePrecision: 'auto', count, ...o });

  it('plans each block the run caches: precision, bytes, peak; blocks without quantized weights skipped', () => {
    const p = plan(40);
    expect(p.blocks.map((b) => b.index)).toEqual([0, 2, 3]);
    // b0: no quantized-input cache, (1000 + 2000) values × 40 × 4 bytes = 480000 ≤ 1 MiB
    expect(p.blocks[0]).toEqual({ index: 0, name: 'b0', precision: 'f32', bytes: 480000 });
    expect(p.blocks[1]).toEqual({ index: 2, name: 'b2', precision: 'f32', bytes: (2 * 500 + 10) * 40 * 4 });
    // b3: (2 · 2000 + 500) × 40 × 4 = 720000 ≤ 1 MiB
    expect(p.blocks[2]).toEqual({ index: 3, name: 'b3', precision: 'f32', bytes: 720000 });
    expect(p.peak).toBe(720000);
    expect(p.error).toBeNull();
    expect(plan(40, { startBlock: 2, endBlock: 3 }).blocks.map((b) => b.index)).toEqual([2]);
  });

  it('float16 where float32 does not fit; the error of the first block that fits neither', () => {
    const p = plan(60); // b0 0.72 MB in float32; b3 1.08 MB in float32, 0.54 MB in float16
    expect(p.blocks.map((b) => b.precision)).toEqual(['f32', 'f32', 'f16']);
    expect(p.peak).toBe(720000);
    const q = plan(150); // b0 1.8 MB / 0.9 MB; b3 2.7 MB / 1.35 MB
    expect(q.blocks.map((b) => b.precision)).toEqual(['f16', 'f32', null]);
    expect(q.blocks[2].bytes).toBe(1350000);
    expect(q.error).toBeInstanceOf(StudioError);
    expect(q.error!.message).toMatch(/^block b3: caching 150 calibration images needs 1\.3 MiB in float16 \(2\.6 MiB in float32\), above the cache budget of 1\.0 MiB\. Use at most 116 images/);
    expect(plan(150, { cachePrecision: 'f32' }).error!.message).toMatch(/^block b0: .*Use at most 87 images for reconstruction, allow float16 caches,/);
  });
});

describe.skipIf(!!sharedMissing)('a run that cannot fit', () => {
  it('ResNet-20, 64 images in 1 MiB: reconstruct() stops at the stem before it allocates or reads an image', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const shape = [1, 3, 32, 32];
    const noise = { data: randArray(3 * 32 * 32, rng(5), -2, 2), shape };
    const state = await calibrate(s, { ...config, wObserver: 'minmax', aObserver: 'minmax', calibCount: 1 }, { batches: () => [noise], batchCount: 1 });
    let read = 0;
    let started = 0;
    const before = gpu.liveBytes;
    gpu.resetPeak();
    const run = reconstruct(s, state, { ...RECON_DEFAULTS, iters: 2, batch: 4, cacheMiB: 1 }, { batches: () => (read++, [noise]), count: 64 }, { onBlockStart: () => void started++ });
    // stem: (3·32·32 + 16·32·32) values × 64 images × 2 bytes = 2.4 MiB in float16
    await expect(run).rejects.toThrow(/^block layer \/conv1\/Conv: caching 64 calibration images needs 2\.4 MiB in float16 \(4\.8 MiB in float32\), above the cache budget of 1\.0 MiB\. Use at most 26 images/);
    expect([read, started]).toEqual([0, 0]);
    expect(gpu.peakBytes, 'nothing allocated').toBe(before);
    s.dispose();
  }, 120_000);
});

const resnet18 = path.join(zoo, 'resnet18.onnx');
const mobilenetV2 = path.join(zoo, 'mobilenet_v2.onnx');
const rows = (p: RunCachePlan) => p.blocks.map((b) => `${b.name} ${(b.bytes / MiB).toFixed(1)} ${b.precision}`);

/** The QDrop plan of 1024 images in the default budget has these rows and this peak, and float16 only where float32 does not fit. */
function expectPlan1024(s: Session, peakMiB: number, want: string[]): void {
  const p = planRunCaches(s, config, 'qdrop', { ...budget, count: 1024 });
  expect(p.error).toBeNull();
  expect(rows(p)).toEqual(want);
  for (const b of p.blocks.filter((x) => x.precision === 'f16')) expect(2 * b.bytes, b.name).toBeGreaterThan(p.budget);
  expect(p.peak / MiB).toBe(peakMiB);
}

// Measured (QDrop/BRECQ blocks, 1024 images, 2048 MiB, auto): the stem (image in, 64×112×112 out)
// 1862 MiB in float16 (3724 in float32); layer1.0 and layer1.1 (three 64×56×56 caches) 1176 MiB in
// float16 (2352 in float32); the rest float32: layer2.0 1960, layer2.1 1176, layer3.0 980, layer3.1
// 588, layer4.0 490, layer4.1 294, fc 7.9 MiB. Peak 1960 MiB (layer2.0). AdaRound's layers: the
// same peak. At 4096 images the stem needs 7448 MiB in float16: 1126 images fit.
describe.skipIf(!existsSync(resnet18))('ResNet-18 at 224², default budget', () => {
  it('1024 images fit (float16 where float32 does not); 4096 stop at the stem, naming the 1126 that fit', async () => {
    const s = await load('resnet18');
    expectPlan1024(s, 1960, [
      'layer /conv1/Conv 1862.0 f16',
      'residual /layer1/layer1.0 1176.0 f16',
      'residual /layer1/layer1.1 1176.0 f16',
      'residual /layer2/layer2.0 1960.0 f32',
      'residual /layer2/layer2.1 1176.0 f32',
      'residual /layer3/layer3.0 980.0 f32',
      'residual /layer3/layer3.1 588.0 f32',
      'residual /layer4/layer4.0 490.0 f32',
      'residual /layer4/layer4.1 294.0 f32',
      'layer /fc 7.9 f32',
    ]);
    const big = planRunCaches(s, config, 'qdrop', { ...budget, count: 4096 });
    expect(big.error?.message).toMatch(/^block layer \/conv1\/Conv: caching 4096 calibration images needs 7448\.0 MiB in float16 \(14896\.0 MiB in float32\), above the cache budget of 2048\.0 MiB\. Use at most 1126 images for reconstruction or raise the cache budget/);
    expect(planRunCaches(s, config, 'qdrop', { ...budget, count: 1126 }).error).toBeNull();
    expect(planRunCaches(s, config, 'qdrop', { ...budget, count: 1127 }).error).not.toBeNull();
    const ada = planRunCaches(s, config, 'adaround', { ...budget, count: 1024 });
    expect(ada.error).toBeNull();
    expect(ada.blocks).toHaveLength(21);
    expect(ada.peak / MiB).toBe(1960);
    s.dispose();
  }, 120_000);
});

// Measured (1024 images, 2048 MiB, auto): features.0 (the stem, image in, 32×112×112 out) 1078 MiB
// and features.1 (32×112×112 in, float and quantized, 16×112×112 out) 1960 MiB in float16; the rest float32:
// features.2 1862, .3 882, .4 686, .5/.6 294, .7 245, .8–.10 147, .11 171.5, .12/.13 220.5, .14 177.6,
// .15/.16 91.9, .17 122.5, .18 367.5, the classifier 13.9 MiB. Peak 1960 MiB (features.1).
describe.skipIf(!existsSync(mobilenetV2))('MobileNetV2 at 224², default budget', () => {
  it('1024 images fit', async () => {
    const s = await load('mobilenet_v2');
    expectPlan1024(s, 1960, [
      'layer /features/features.0 1078.0 f16',
      'chain /features/features.1/conv 1960.0 f16',
      'chain /features/features.2/conv 1862.0 f32',
      'residual /features/features.3 882.0 f32',
      'chain /features/features.4/conv 686.0 f32',
      'residual /features/features.5 294.0 f32',
      'residual /features/features.6 294.0 f32',
      'chain /features/features.7/conv 245.0 f32',
      'residual /features/features.8 147.0 f32',
      'residual /features/features.9 147.0 f32',
      'residual /features/features.10 147.0 f32',
      'chain /features/features.11/conv 171.5 f32',
      'residual /features/features.12 220.5 f32',
      'residual /features/features.13 220.5 f32',
      'chain /features/features.14/conv 177.6 f32',
      'residual /features/features.15 91.9 f32',
      'residual /features/features.16 91.9 f32',
      'chain /features/features.17/conv 122.5 f32',
      'layer /features/features.18 367.5 f32',
      'layer /classifier/classifier.1 13.9 f32',
    ]);
    s.dispose();
  }, 120_000);
});
