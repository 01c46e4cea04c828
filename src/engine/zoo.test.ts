// Every model of ../shared/models/zoo (torchvision exports and the ONNX zoo's "light" models, as
// users bring them) loads, runs on the GPU and gives onnxruntime's outputs on the same random
// input: relative L2 ≤ 1e-4 per output. Dynamic dimensions get batch 1 and the README's size.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Session } from './session';
import { readModel } from '../onnx/read';
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

describe.skipIf(models.length === 0)('model zoo against onnxruntime', () => {
  it.each(models)('%s', async (file) => {
    const bytes = readFileSync(path.join(zoo, file));
    const model = readModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
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
      expect(ours[name].shape, `${file} output ${name}`).toEqual([...t.dims]);
      const e = relL2(ours[name].data, t.data as Float32Array);
      lines.push(`${name} [${t.dims}] rel L2 ${e.toExponential(1)}`);
      expect(e, `${file} output ${name}`).toBeLessThanOrEqual(1e-4);
    }
    console.log(`${file}: ${lines.join('; ')}`);
    session.dispose();
    await ref.release();
  }, 300_000);
});
