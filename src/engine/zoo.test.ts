// Every model of ../shared/models/zoo (torchvision exports and the ONNX zoo's "light" models, as
// users bring them) loads, runs on the GPU and gives onnxruntime's outputs on the same random
// input: relative L2 ≤ 1e-4 per output, and no output is constant. Dynamic dimensions get batch 1
// and the README's size. The light models hold every float weight as ConstantOfShape(0.02), which
// makes every class score equal; both runtimes get them with seeded random weights instead.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Session } from './session';
import { readModel } from '../onnx/read';
import { writeModel } from '../onnx/write';
import { randomizeLightModel } from '../test/light-models';
import { rng, randArray, testGpu } from '../test/helpers';
import { sharedDir } from '../data/test-paths';

const zoo = path.join(sharedDir, 'models/zoo');
const models = existsSync(zoo) ? readdirSync(zoo).filter((f) => f.endsWith('.onnx')).sort() : [];
/** Input height/width where the model leaves them dynamic or where its README says otherwise. */
const SIZE: Record<string, number> = { 'ssdlite320_mobilenet_v3_large_head.onnx': 320 };

const relL2 = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
};

/** Standard deviation and largest magnitude: an output with std 0 would match whatever the weights. */
const spread = (a: ArrayLike<number>): { std: number; maxAbs: number } => {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
    maxAbs = Math.max(maxAbs, Math.abs(a[i]));
  }
  const m = s / a.length;
  return { std: Math.sqrt(Math.max(s2 / a.length - m * m, 0)), maxAbs };
};

describe.skipIf(models.length === 0)('model zoo against onnxruntime', () => {
  it.each(models)('%s', async (file) => {
    let bytes: Uint8Array = readFileSync(path.join(zoo, file));
    let model = readModel(bytes, file);
    if (file.startsWith('light_')) {
      expect(randomizeLightModel(model, 2024), `${file}: ConstantOfShape weights`).toBeGreaterThan(0);
      bytes = writeModel(model);
      model = readModel(bytes, file);
      expect(model.graph.nodes.filter((n) => n.opType === 'ConstantOfShape')).toEqual([]);
    }
    const input = model.graph.inputs.find((v) => !model.graph.initializers.has(v.name))!;
    const hw = SIZE[file] ?? 224;
    const shape = (input.shape ?? [null, 3, null, null]).map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : hw));
    input.shape = shape;
    const session = await Session.fromModel(await testGpu(), model, file);
    const data = randArray(shape.reduce((a, b) => a * b, 1), rng(1234), -1, 1);
    const ours = await session.run({ [input.name]: { data, shape } });
    const ref = await ort.InferenceSession.create(bytes);
    const theirs = await ref.run({ [input.name]: new ort.Tensor('float32', data, shape) });
    const lines: string[] = [];
    for (const name of ref.outputNames) {
      const t = theirs[name];
      const want = t.data as Float32Array;
      expect(ours[name].shape, `${file} output ${name}`).toEqual([...t.dims]);
      const e = relL2(ours[name].data, want);
      const theirSpread = spread(want);
      const ourSpread = spread(ours[name].data);
      lines.push(`${name} [${t.dims}] rel L2 ${e.toExponential(1)}, std ${theirSpread.std.toExponential(2)}, max |y| ${theirSpread.maxAbs.toExponential(2)}`);
      expect(e, `${file} output ${name}`).toBeLessThanOrEqual(1e-4);
      // Outputs whose values are all equal (constant weights give that) compare equal whatever the engine does.
      expect(theirSpread.std, `${file} output ${name}: std of onnxruntime's values`).toBeGreaterThan(1e-3 * theirSpread.maxAbs);
      expect(ourSpread.std, `${file} output ${name}: std of ours`).toBeGreaterThan(1e-3 * ourSpread.maxAbs);
    }
    console.log(`${file}: ${lines.join('; ')}`);
    session.dispose();
    await ref.release();
  }, 300_000);
});
