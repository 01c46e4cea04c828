// PTQ on the model zoo (../shared/models/zoo, random weights): each model calibrates at W8A8 on two
// noise images, every Conv/ConvTranspose/Gemm/MatMul is quantized (or named with its reason), and
// onnxruntime running the QDQ export agrees with the studio's fake-quant outputs on a fresh input:
// SQNR > 30 dB or cosine > 0.999 per output (and relative L2 < 1e-3 with onnxruntime's QDQ fusion
// off: a few codes flip at rounding ties, as float sums differ in order, well under 1e-2). A CI subset by default; QS_LONG=1 runs every model
// (QS_ZOO=a,b picks some).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { readModel } from '../onnx/read';
import { Session } from '../engine/session';
import { sharedDir } from '../data/test-paths';
import { randArray, rng, testGpu } from '../test/helpers';
import { calibrate } from './calibrate';
import { exportQdq } from './export-qdq';
import { place } from './placement';
import { DEFAULT_CONFIG, type QuantConfig } from './types';

const zoo = path.join(sharedDir, 'models/zoo');
const ALL = [
  'mobilenet_v3_small', 'mobilenet_v2', 'mnasnet1_0', 'shufflenet_v2_x1_0', 'squeezenet1_1', 'resnet18',
  'lraspp_mobilenet_v3_large', 'ssdlite320_mobilenet_v3_large_head', 'light_squeezenet', 'light_resnet50', 'light_bvlc_alexnet',
];
const CI = ['mobilenet_v3_small', 'shufflenet_v2_x1_0', 'squeezenet1_1'];
const chosen = process.env.QS_ZOO ? process.env.QS_ZOO.split(',') : process.env.QS_LONG ? ALL : CI;
const models = existsSync(zoo) ? chosen.filter((m) => existsSync(path.join(zoo, `${m}.onnx`))) : [];
/** Height and width for dynamic inputs (LR-ASPP: kept small) or where the README says so. */
const SIZE: Record<string, number> = { lraspp_mobilenet_v3_large: 128, ssdlite320_mobilenet_v3_large_head: 320 };

/** Agreement of b with a reference a: SQNR (dB), cosine, relative L2. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): { sqnr: number; cosine: number; relL2: number } {
  let num = 0;
  let den = 0;
  let dot = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
    dot += a[i] * b[i];
    bb += b[i] ** 2;
  }
  return { sqnr: 10 * Math.log10(den / Math.max(num, 1e-30)), cosine: dot / Math.sqrt(den * bb), relL2: Math.sqrt(num / den) };
}

describe.skipIf(models.length === 0)('model zoo: W8A8 placement, calibration and QDQ export', () => {
  it.each(models)('%s', async (name) => {
    const t0 = performance.now();
    const bytes = readFileSync(path.join(zoo, `${name}.onnx`));
    const model = readModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
    const input = model.graph.inputs.find((v) => !model.graph.initializers.has(v.name))!;
    const hw = SIZE[name] ?? 224;
    const shape = input.shape!.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : hw));
    input.shape = shape;
    const s = await Session.fromModel(await testGpu(), model, name);
    const config: QuantConfig = { ...DEFAULT_CONFIG, wObserver: 'minmax', aObserver: 'minmax', calibCount: 2 };
    const p = place(s.graph, config);
    const weighted = s.graph.nodes.filter((n) => ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType));
    expect(p.float, `${name}: weighted layers left float`).toEqual([]);
    expect(p.layers.length).toBe(weighted.length);

    const r = rng(11);
    const noise = () => ({ data: randArray(shape.reduce((a, b) => a * b, 1), r, -2, 2), shape });
    const calib = [noise(), noise()];
    const state = await calibrate(s, config, { batches: () => calib, batchCount: calib.length });
    expect(state.weights.length).toBe(weighted.length);
    // every layer that reads a quantized activation — directly or through Reshape/Transpose/MaxPool
    // (ShuffleNetV2's channel shuffle) — has its bias on the int32 grid s_x·s_w, as onnxruntime puts it
    const reading = new Set(p.acts.flatMap((a) => a.consumers));
    const withBias = p.layers.filter((l) => reading.has(l.node.name || l.node.outputs[0]) && l.node.inputs[2]);
    expect((state.biases ?? []).map((b) => b.node).sort()).toEqual(withBias.map((l) => l.node.name || l.node.outputs[0]).sort());
    const tCalib = performance.now();

    const x = noise();
    const ours = await s.run({ [input.name]: x }, { quant: true });
    const float = await s.run({ [input.name]: x });
    const qdq = exportQdq(s.model, s.graph, state, { opset: 13 });
    const feeds = { [input.name]: new ort.Tensor('float32', x.data, x.shape) };
    const session = await ort.InferenceSession.create(qdq, { logSeverityLevel: 3 });
    const theirs = await session.run(feeds);
    // without onnxruntime's QDQ fusion (integer kernels round differently) the export is the fake-quant model
    const plain = await ort.InferenceSession.create(qdq, { logSeverityLevel: 3, extra: { session: { disable_quant_qdq: '1' } } });
    const exact = await plain.run(feeds);
    const lines: string[] = [];
    for (const out of session.outputNames) {
      const a = agreement(ours[out].data, theirs[out].data as Float32Array);
      const e = agreement(ours[out].data, exact[out].data as Float32Array);
      const f = agreement(float[out].data, ours[out].data);
      lines.push(`${out}: onnxruntime vs studio SQNR ${a.sqnr.toFixed(1)} dB, cosine ${a.cosine.toFixed(6)}, rel L2 ${a.relL2.toExponential(2)}; without QDQ fusion rel L2 ${e.relL2.toExponential(2)}; studio vs float ${f.sqnr.toFixed(1)} dB`);
      expect(a.sqnr > 30 || a.cosine > 0.999, `${name} ${out}: SQNR ${a.sqnr} dB, cosine ${a.cosine}`).toBe(true);
      expect(e.relL2, `${name} ${out} without QDQ fusion`).toBeLessThan(1e-2);
    }
    console.log(`${name} [${shape}]: ${p.layers.length}/${weighted.length} weighted layers quantized, ${state.acts.length} activation quantizers; calibration ${((tCalib - t0) / 1000).toFixed(1)} s, total ${((performance.now() - t0) / 1000).toFixed(1)} s\n  ${lines.join('\n  ')}`);
    await session.release();
    await plain.release();
    s.dispose();
  }, 600_000);
});
