// APoT export end to end on ResNet-20 (DESIGN.md §8, §9): calibrate with APoT weights (α by the APoT
// MSE search), export QDQ, read the weight codes back from the file (int8 level codes, scale α/max,
// in the level set) and check that onnxruntime-node reproduces the studio's logits and top-1 on
// the first EVAL test images. QS_APOT_TABLE=1 also prints APoT vs uniform top-1 (nearest, MSE).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { PRESETS } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { DT, tensorFloat32, tensorValues } from '../onnx/dtype';
import { readModel } from '../onnx/read';
import { testGpu } from '../test/helpers';
import { calibrate } from './calibrate';
import { exportQdq } from './export-qdq';
import { dequantize } from './apply';
import { sqnrDb } from './report';
import { DEFAULT_CONFIG, type QuantConfig, type QuantState } from './types';

const EVAL = 200;
const CALIB = 32;

async function calibrated(s: Session, over: Partial<QuantConfig>, calibCount = CALIB): Promise<QuantState> {
  const calib = openImageSet(cifarTrainDir, PRESETS.cifar10, { limit: calibCount });
  const batches = [...calib.batches(32)].map((b) => ({ data: b.data, shape: b.shape }));
  return calibrate(s, { ...DEFAULT_CONFIG, ...over, calibCount }, { batches: () => batches, batchCount: batches.length });
}

const argmax = (x: ArrayLike<number>, o: number) => Array.from({ length: 10 }, (_, k) => x[o + k]).reduce((b, v, k, a) => (v > a[b] ? k : b), 0);

/** Studio (fake-quant) and onnxruntime (default options) on the exported bytes: top-1 of each, agreement, worst logit difference. */
async function compare(s: Session, bytes: Uint8Array, count: number) {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  let [studio, onnx, agree, worst, top] = [0, 0, 0, 0, 0];
  for (const b of openImageSet(cifarTestDir, PRESETS.cifar10, { limit: count }).batches(100)) {
    const ours = (await s.run({ input: { data: b.data, shape: b.shape } }, { quant: true })).logits.data;
    const theirs = (await session.run({ input: new ort.Tensor('float32', b.data, b.shape) })).logits.data as Float32Array;
    for (let i = 0; i < ours.length; i++) [worst, top] = [Math.max(worst, Math.abs(ours[i] - theirs[i])), Math.max(top, Math.abs(ours[i]))];
    for (let i = 0; i < b.shape[0]; i++) {
      const [p, q] = [argmax(ours, 10 * i), argmax(theirs, 10 * i)];
      studio += p === b.labels[i] ? 1 : 0;
      onnx += q === b.labels[i] ? 1 : 0;
      agree += p === q ? 1 : 0;
    }
  }
  await session.release();
  return { studio, onnx, agree, relLogit: worst / top };
}

/** Every APoT weight's DequantizeLinear in the file: codes of the stored type, in ±levels, scales and zero points as the state's. */
function checkCodesInFile(bytes: Uint8Array, state: QuantState, storage: number): number {
  const out = readModel(bytes);
  let apot = 0;
  for (const w of state.weights) {
    const dq = out.graph.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === w.weight)!;
    const [q, s, z] = dq.inputs.map((i) => out.graph.initializers.get(i)!);
    if (!w.levels) continue;
    apot++;
    expect([q.dataType, z.dataType], w.weight).toEqual([storage, storage]);
    const codes = tensorValues(q);
    const set = new Set(w.levels);
    const off = Array.from(codes).findIndex((c) => !set.has(Math.abs(c)));
    expect(off, `${w.weight}: first code outside ±{${w.levels.join(', ')}}: ${codes[off]}`).toBe(-1);
    expect(Int32Array.from(codes)).toEqual(w.codes);
    expect(Float32Array.from(tensorValues(s))).toEqual(w.scales);
    // DequantizeLinear's float32 code·scale is, bit for bit, the weight the studio's fake-quant graph runs
    const inner = w.codes.length / w.scales.length;
    expect(Float32Array.from(codes, (c, i) => c * tensorValues(s)[Math.floor(i / inner)])).toEqual(dequantize(w));
    expect([...tensorValues(z)].every((v) => v === 0), `${w.weight}: zero points`).toBe(true);
    expect(dq.attrs.axis).toEqual({ type: 'int', value: 0 });
  }
  return apot;
}

describe.skipIf(!!sharedMissing)('APoT export on ResNet-20', () => {
  it(`W4A8 nearest (MSE α): the file's codes lie in the level set; onnxruntime = studio on ${EVAL} images`, async () => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20_cifar10.onnx');
    const state = await calibrated(s, { wBits: 4, aBits: 8, wLevels: 'apot' });
    // first and last layer 8-bit (the default policy): uniform; the 18 others APoT with codes ±{0,1,2,3,4,6,8,10}
    expect(state.weights.filter((w) => w.levels).map((w) => w.range.qmax)).toEqual(new Array(18).fill(10));
    const bytes = exportQdq(s.model, s.graph, state, { opset: 13 });
    expect(checkCodesInFile(bytes, state, DT.INT8)).toBe(18);
    // opset 21 stores ≤ 4-bit uniform weights as int4, never APoT codes (±10 does not fit)
    expect(checkCodesInFile(exportQdq(s.model, s.graph, state, { opset: 21 }), state, DT.INT8)).toBe(18);
    const r = await compare(s, bytes, EVAL);
    console.log(`APoT W4A8 (MSE α): studio ${r.studio}/${EVAL}, onnxruntime ${r.onnx}/${EVAL}, agreement ${r.agree}/${EVAL}; worst logit difference ${r.relLogit.toExponential(2)} of the largest`);
    expect(r.onnx).toBe(r.studio);
    expect(r.agree).toBe(EVAL);
    // the weights are exact (checkCodesInFile); activation codes on a rounding boundary can flip between
    // the engine's float32 sums and onnxruntime's (at 8 bits a flip moves the logits by ~1e-3, as for uniform weights)
    expect(r.relLogit).toBeLessThan(2e-2);
    expect(r.studio).toBeGreaterThanOrEqual(0.85 * EVAL);
    s.dispose();
  }, 900_000);

  it('W7A8: 7-bit APoT codes (max 448) exported as int16 at opset 21 (refused at 13); onnxruntime = studio', async () => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20_cifar10.onnx');
    const state = await calibrated(s, { wBits: 7, aBits: 8, wLevels: 'apot', aObserver: 'minmax' });
    expect(() => exportQdq(s.model, s.graph, state, { opset: 13 })).toThrow(/beyond int8; export at opset 21/);
    const bytes = exportQdq(s.model, s.graph, state, { opset: 21 });
    expect(checkCodesInFile(bytes, state, DT.INT16)).toBe(18);
    const r = await compare(s, bytes, 100);
    expect([r.onnx, r.agree]).toEqual([r.studio, 100]);
    s.dispose();
  }, 900_000);
});

describe.skipIf(!!sharedMissing || !process.env.QS_APOT_TABLE)('APoT vs uniform top-1 on ResNet-20 (QS_APOT_TABLE=1)', () => {
  it('W3A8 and W4A4, nearest, MSE ranges', async () => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20_cifar10.onnx');
    const calib = Number(process.env.QS_APOT_CALIB ?? 64);
    const rows: string[] = [];
    const grids = [['uniform (asymmetric)', { wLevels: 'uniform' }], ['uniform symmetric', { wLevels: 'uniform', wSymmetric: true }], ['APoT', { wLevels: 'apot' }]] as const;
    for (const [w, a] of [[3, 8], [4, 4]]) {
      for (const [name, over] of grids) {
        const t0 = performance.now();
        const state = await calibrated(s, { wBits: w, aBits: a, ...over }, calib);
        const secs = (performance.now() - t0) / 1000;
        // mean weight SQNR (dB) of the layers at W bits (first and last stay 8-bit)
        const inner = state.weights.filter((q) => q.range.bits === w);
        const sqnr = inner.reduce((acc, q) => acc + sqnrDb(tensorFloat32(s.graph.initializers.get(q.weight)!), dequantize(q)), 0) / inner.length;
        const r = await compare(s, exportQdq(s.model, s.graph, state, { opset: 13 }), EVAL);
        rows.push(`| W${w}A${a} | ${name} | ${sqnr.toFixed(2)} | ${r.studio}/${EVAL} | ${r.onnx}/${EVAL} | ${r.agree}/${EVAL} | ${secs.toFixed(1)} |`);
        console.log(rows[rows.length - 1]);
      }
    }
    console.log([`calibration: ${calib} images; evaluation: the first ${EVAL} test images`, '| config | weight grid | weight SQNR dB | studio top-1 | onnxruntime top-1 | agreement | calibration s |', '|---|---|---:|---:|---:|---:|---:|', ...rows].join('\n'));
    s.dispose();
  }, 3_600_000);
});
