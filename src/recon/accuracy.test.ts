// Accuracy pinned in CI (issue 10): ResNet-20 top-1 floors on the first TEST test images for
// nearest rounding (MSE ranges) at W4A4 and W2A4, and short whole-model QDrop, BRECQ and
// AdaRound (layer-wise partition) runs that must lift W2A4 top-1 over nearest by LIFT points.
// Floors sit a few points under what was measured (the margins are in the constants' comments),
// so a broken observer, rounding or reconstruction turns this red even when studio = onnxruntime.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { applyState, calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG, type QuantConfig } from '../quant/types';
import type { QuantState } from '../quant/types';
import { testGpu } from '../test/helpers';
import { methodDefaults, RECON_DEFAULTS, reconstruct, type ReconMethod } from './reconstruct';
import { engineTop1, top1Rate } from '../cli/top1';

const CALIB = 64;
const TEST = 500;
/** Short schedule: 40 iterations per block at batch 8 with a larger V learning rate. */
const SHORT = { iters: 40, batch: 8, lrV: 1e-2, historyEvery: 20, cacheMiB: 64 };
/** Floors (fractions of TEST) under the values measured on 2026-12-03 (lavapipe): W4A4 88.8 %, W2A4 16.0 %. */
const FLOOR = { W4A4: 0.85, W2A4: 0.1 };
/** Ceiling for W2A4 nearest: far above it, the 2-bit grid is not what runs. */
const W2A4_NEAREST_MAX = 0.3;
/** Points every short reconstruction must add to W2A4 nearest; measured +54.8 (QDrop), +55.8 (BRECQ), +57.6 (AdaRound). */
const LIFT = 0.4;

describe.skipIf(!!sharedMissing)('ResNet-20 accuracy floors', () => {
  async function setup(wBits: number, aBits: number) {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const preset = presetForInputShape(s.summary.inputs[0].shape);
    const calib = openImageSet(cifarTrainDir, preset, { limit: CALIB });
    const test = openImageSet(cifarTestDir, preset, { limit: TEST });
    const config: QuantConfig = { ...DEFAULT_CONFIG, wBits, aBits, calibCount: CALIB };
    const batches = () => (function* () { for (const b of calib.batches(32)) yield { data: b.data, shape: b.shape }; })();
    const state = await calibrate(s, config, { batches, batchCount: CALIB / 32 });
    const io = { input: s.summary.inputs[0].name, output: s.summary.outputs[0].name };
    const top1 = async (st: QuantState) => {
      applyState(s, st);
      return top1Rate(await engineTop1(s, io, test, { batch: 100, quant: true }))!;
    };
    return { s, state, batches, top1 };
  }

  it('W4A4 nearest (MSE ranges) stays above its floor', async () => {
    const { state, top1 } = await setup(4, 4);
    const acc = await top1(state);
    console.log(`ResNet-20 W4A4 nearest: ${(100 * acc).toFixed(1)} % of ${TEST} (floor ${100 * FLOOR.W4A4} %)`);
    expect(acc).toBeGreaterThanOrEqual(FLOOR.W4A4);
  }, 300_000);

  it('W2A4: QDrop, BRECQ and AdaRound (layer-wise) each lift nearest by the stated points', async () => {
    const { s, state, batches, top1 } = await setup(2, 4);
    const nearest = await top1(state);
    const lines = [`W2A4 nearest ${(100 * nearest).toFixed(1)} %`];
    expect(nearest).toBeGreaterThanOrEqual(FLOOR.W2A4);
    expect(nearest).toBeLessThan(W2A4_NEAREST_MAX);
    for (const method of ['qdrop', 'brecq', 'adaround'] as ReconMethod[]) {
      const cfg = { ...RECON_DEFAULTS, ...methodDefaults(method), ...SHORT, method };
      const started = Date.now();
      const after = await reconstruct(s, state, cfg, { batches, count: CALIB });
      const acc = await top1(after);
      lines.push(`${method} ${(100 * acc).toFixed(1)} % (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      expect(acc, `${method} after ${SHORT.iters} iterations per block`).toBeGreaterThanOrEqual(nearest + LIFT);
    }
    console.log(`ResNet-20, ${TEST} test images, ${CALIB} calibration images, ${SHORT.iters} it/block: ${lines.join(', ')}`);
  }, 900_000);
});
