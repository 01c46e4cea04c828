// A NaN/Inf in a block's loss stops that block with a message naming it and its layers; the blocks
// before it are finished and kept (onBlockEnd had their state), and a run resumed from that state
// at the failed block goes on once the cause is gone. Real reconstruction on ResNet-20 (8
// calibration images, a few iterations): the step size of the second block's output quantizer is
// poisoned (NaN, or Inf: 0·Inf) through the QuantState the run starts from. (Poisoned weight scales
// are refused before training, by adaroundInit; a NaN step inside the block is swallowed by its
// ReLU, max(NaN, 0) = 0 on the GPU, so the output quantizer is the site that reaches the loss.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../engine/errors';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { presetForInputShape } from '../data/presets';
import { cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { calibrate } from '../quant/calibrate';
import { DEFAULT_CONFIG, type QuantConfig, type QuantState } from '../quant/types';
import { testGpu } from '../test/helpers';
import { RECON_DEFAULTS, reconBlocks, reconstruct, type BlockSummary, type LossPoint, type ReconConfig } from './reconstruct';

const CALIB = 8;

describe.skipIf(!!sharedMissing)('a non-finite reconstruction loss', () => {
  it.each([
    ['NaN', NaN],
    ['Inf', Infinity],
  ])('%s in the second block: that block stops, named with its layers; the first block is kept', async (what, poison) => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const preset = presetForInputShape(s.summary.inputs[0].shape);
    const calib = openImageSet(cifarTrainDir, preset, { limit: CALIB });
    const config: QuantConfig = { ...DEFAULT_CONFIG, wBits: 4, aBits: 4, calibCount: CALIB };
    const batches = () => (function* () { for (const b of calib.batches(CALIB)) yield { data: b.data, shape: b.shape }; })();
    const state = await calibrate(s, config, { batches, batchCount: 1 });
    const cfg: ReconConfig = { ...RECON_DEFAULTS, iters: 4, batch: 4, historyEvery: 2 };

    const blocks = reconBlocks(s, state, cfg.method);
    const target = blocks[1];
    const layer = target.layers[0];
    const site = target.acts[target.acts.length - 1]; // its output quantizer
    expect(state.acts.some((a) => a.tensor === site)).toBe(true);
    const poisoned: QuantState = { ...state, acts: state.acts.map((a) => (a.tensor === site ? { ...a, scale: poison } : a)) };

    const started: number[] = [];
    const kept: { summary: BlockSummary; state: QuantState }[] = [];
    const losses = new Map<number, LossPoint[]>();
    const error = await reconstruct(
      s,
      poisoned,
      cfg,
      { batches, count: CALIB },
      {
        onBlockStart: (b) => void started.push(b.index),
        onLoss: (b, pts) => void losses.set(b.index, [...(losses.get(b.index) ?? []), ...pts]),
        onBlockEnd: (summary, st) => void kept.push({ summary, state: st }),
      },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    console.log(`${what}: act ${site} of block ${target.name} [${target.layers.join(', ')}]: ${(error as Error | null)?.message}`);

    // The run stops in the second block, with a clear message naming the block and its layer.
    expect(error).toBeInstanceOf(StudioError);
    const msg = (error as StudioError).message;
    expect(msg).toContain(`block ${target.name}`);
    expect(msg).toContain(layer);
    expect(msg).toMatch(/reconstruction loss became (NaN|-?Infinity) at iteration [01]\b/); // at its first read-back
    expect(started).toEqual([0, 1]); // nothing after the failed block
    expect(losses.has(1)).toBe(false); // no non-finite point reached the chart

    // The first block finished, with finite losses, and its state was handed over to be kept.
    expect(kept.map((k) => k.summary.block.index)).toEqual([0]);
    const first = kept[0];
    expect(first.summary.iters).toBe(cfg.iters);
    expect(Number.isFinite(first.summary.firstLoss) && Number.isFinite(first.summary.lastLoss)).toBe(true);
    expect(losses.get(0)!.every((p) => Number.isFinite(p.rec))).toBe(true);

    // That kept state resumes at the failed block once the poison is gone: the second block then trains.
    const repaired: QuantState = { ...first.state, acts: first.state.acts.map((a) => (a.tensor === site ? state.acts.find((b) => b.tensor === site)! : a)) };
    const resumed: BlockSummary[] = [];
    const after = await reconstruct(s, repaired, cfg, { batches, count: CALIB, startBlock: 1, endBlock: 2 }, { onBlockEnd: (b) => void resumed.push(b) });
    expect(resumed.map((b) => b.block.index)).toEqual([1]);
    expect(Number.isFinite(resumed[0].lastLoss)).toBe(true);
    // block 0 stays as the failed run left it
    for (const l of blocks[0].layers) expect(after.weights.find((w) => w.node === l)!.codes).toEqual(first.state.weights.find((w) => w.node === l)!.codes);
  }, 600_000);
});
