// Data-free quantization end to end on ResNet-20 (no calibration images): SQuant W8A8 against float,
// SQuant W4A8 against round to nearest with the same noise-pass activation ranges, onnxruntime on
// every exported file against the studio, the SQuant codes read back from the QDQ file, and the
// `quantize` flags and JSON of the data-free path. The first EVAL CIFAR-10 test images (1000 and W3A8
// too under QS_LONG=1).
//
// Measured (lavapipe, 500 images): float 455; W8A8 SQuant 456 (onnxruntime 456); W4A8 nearest 450,
// SQuant 458 (onnxruntime = studio on both). Floors: W8A8 ≥ float − 0.5 pp (margin 0.7 pp), W4A8 SQuant
// > nearest (margin 8 images). Studio vs onnxruntime: within 0.1 pp or one image, whichever is more:
// one image whose top two logits are close can go either way when an activation rounds differently
// on a tie (the README's W4A8 MSE row); a W8A8 run with other noise had one such image of 500
// (studio 458 correct, onnxruntime 457; that image's logits 4 and 5 within 0.005 in the studio).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openImageSet, type ImageSet } from '../data/image-set-node';
import { cifarTestDir, repoRoot, resnet20, sharedMissing } from '../data/test-paths';
import { readModel } from '../onnx/read';
import { testGpu } from '../test/helpers';
import { lastInput8bit } from '../quant/data-free';
import { parseCommand } from './args';
import { floatTop1, openModel, quantConfig, quantizeAndEvaluate, type PtqModel, type PtqResult } from './ptq';
import { runQuantize } from './quantize';
import type { Top1 } from './top1';

const LONG = process.env.QS_LONG === '1';
const EVAL = LONG ? 1000 : 500;
const tmp = mkdtempSync(join(tmpdir(), 'qs-squant-'));
const pp = (t: Top1) => (100 * t.correct) / t.labeled;

describe('quantize flags: SQuant and data-free', () => {
  const base = ['quantize', '--model', resnet20, '--out', join(tmp, 'q.onnx')];
  const args = (...extra: string[]) => {
    const c = parseCommand([...base, ...extra]);
    if (c.command !== 'quantize') throw new Error('not quantize');
    return c.args;
  };

  it('needs no --calib; SQuant defaults to MinMax weights and every layer at --w', () => {
    expect(args('--method', 'squant')).toMatchObject({ method: 'squant', calib: undefined, wObserver: 'minmax', firstLast8bit: false });
    expect(args('--method', 'squant', '--first-last-8bit', '--w-observer', 'mse')).toMatchObject({ firstLast8bit: true, wObserver: 'mse' });
    expect(args('--method', 'nearest')).toMatchObject({ method: 'nearest', calib: undefined, firstLast8bit: true, wObserver: undefined });
    expect(args('--calib', repoRoot, '--method', 'squant')).toMatchObject({ calib: repoRoot, method: 'squant' });
  });

  it('rejects what does not combine', () => {
    expect(() => args('--method', 'brecq')).toThrow(/--method brecq reconstructs on calibration images: give --calib PATH/);
    expect(() => args('--calib-count', '64')).toThrow(/--calib-count applies to --calib images/);
    expect(() => args('--method', 'squant', '--first-last-8bit', '--no-first-last-8bit')).toThrow(/contradict/);
    expect(() => args('--method', 'squant', '--w-levels', 'apot')).toThrow(/--method squant rounds on the uniform grid/);
    expect(() => args('--method', 'squant', '--iters', '10')).toThrow(/--iters applies to reconstruction/);
  });
});

describe.skipIf(sharedMissing)(`ResNet-20 data-free, ${EVAL} test images ${sharedMissing}`, () => {
  let m: PtqModel;
  let evalSet: ImageSet;
  let float: Top1;
  const run = async (w: number, a: number, squant: boolean): Promise<PtqResult> => {
    // as `quantize --method squant|nearest --w-observer minmax --no-first-last-8bit` without --calib
    const config = lastInput8bit(m.session.graph, quantConfig({ wBits: w, aBits: a, observer: 'minmax', firstLast8bit: false, calibCount: 0 }));
    const r = await quantizeAndEvaluate(m, config, { evalSet, opset: 13, batch: 50, squant });
    expect(r.quant!.labeled).toBe(EVAL);
    // onnxruntime on the exported file reproduces the studio within 0.1 pp (or one image)
    expect(Math.abs(pp(r.onnx!) - pp(r.quant!)), `W${w}A${a} ${squant ? 'SQuant' : 'nearest'}: studio ${r.quant!.correct}, onnxruntime ${r.onnx!.correct}`).toBeLessThanOrEqual(Math.max(0.1, 100 / EVAL) + 1e-9);
    return r;
  };

  beforeAll(async () => {
    m = await openModel(await testGpu(), resnet20);
    evalSet = openImageSet(cifarTestDir, m.preset, { limit: EVAL });
    float = (await floatTop1(m, evalSet, 50)).studio;
  }, 120_000);

  it('SQuant W8A8 is within 0.5 pp of float', async () => {
    const r = await run(8, 8, true);
    console.log(`float ${float.correct}/${EVAL}, SQuant W8A8 ${r.quant!.correct}/${EVAL} (onnxruntime ${r.onnx!.correct}); SQuant ${r.squant!.reduce((a, l) => a + l.ms, 0).toFixed(0)} ms GPU`);
    expect(pp(r.quant!)).toBeGreaterThanOrEqual(pp(float) - 0.5);
  }, 300_000);

  it.each(LONG ? [4, 3] : [4])('SQuant W%iA8 beats round to nearest on the same activation ranges; the QDQ file holds its codes', async (w) => {
    const sq = await run(w, 8, true);
    const near = await run(w, 8, false);
    console.log(`W${w}A8 data-free: float ${float.correct}, nearest ${near.quant!.correct}, SQuant ${sq.quant!.correct} of ${EVAL}`);
    expect(sq.state.acts).toEqual(near.state.acts);
    expect(sq.quant!.correct).toBeGreaterThan(near.quant!.correct);
    const init = readModel(sq.bytes).graph.initializers;
    for (const w of sq.state.weights) {
      const t = init.get(`${w.weight}_quantized`)!;
      expect(Array.from(t.raw.subarray(0, w.codes.length)), w.weight).toEqual(Array.from(w.codes));
    }
    expect(sq.state.weights.some((w, i) => w.codes.some((c, j) => c !== near.state.weights[i].codes[j]))).toBe(true);
  }, 600_000);

  it('quantize --method squant without --calib: the data-free run and its JSON', async () => {
    const lines: string[] = [];
    const out = { info: (s: string) => lines.push(s), result: (s: string) => lines.push(s) };
    const c = parseCommand(['quantize', '--model', resnet20, '--method', 'squant', '--w', '4', '--a', '8', '--out', join(tmp, 'r20.squant.onnx'), '--eval', cifarTestDir, '--eval-count', '50']);
    if (c.command !== 'quantize') throw new Error('not quantize');
    const j = await runQuantize(c.args, out);
    expect(j).toMatchObject({ method: 'squant', dataFree: true, calibImages: 0, w: 4, a: 8, wObserver: 'minmax', evalImages: 50 });
    expect(j.squantLayers).toHaveLength(20);
    expect(j.squantMs).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/data-free: activation ranges α·σ \(α 25\)/);
    expect(lines.join('\n')).toMatch(/squant +20 layers in [\d.]+ ms of GPU work/);
  }, 300_000);
});
