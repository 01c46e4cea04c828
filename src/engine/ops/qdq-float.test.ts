// QuantizeLinear → DequantizeLinear through float8 codes in the engine vs onnxruntime, exact (atol 0,
// NaN for NaN) on fresh random data with rounding ties, subnormals and (saturating) values beyond each
// format's range: on data (two GPU dispatches, never fused into FakeQuant) and with a constant weight
// quantized by constant folding. Not compared here: float4e2m1 (onnxruntime-node has no QuantizeLinear-23
// kernel for it) and values beyond the range without saturation (onnxruntime gives ±448 for some e4m3fn
// quotients in (464, 512), e.g. 481, where ONNX's reference and ours give NaN); the kernel tests
// (src/gpu/kernels/qdq-linear-float.test.ts) and the conformance cases cover both.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx } from '../../onnx/proto/onnx';
import { Session } from '../session';
import { DT, makeTensor } from '../../onnx/dtype';
import { MINIFLOATS } from '../../onnx/minifloat';
import { freshSeed, rng, testGpu } from '../../test/helpers';

const F = DT.FLOAT;

/** x → Q → DQ → y (opset 21, per axis 1), or with `weight`, y = x + DQ(Q(w)) for a constant w quantized at plan time. */
function model(codes: number, saturate: number, shape: number[], scales: number[], weight?: Float32Array): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: F, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
  const attrs = [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }, { name: 'saturate', type: onnx.AttributeProto.AttributeType.INT, i: saturate }];
  const src = weight ? 'w' : 'x';
  const init = [
    { name: 's', dataType: F, dims: [scales.length], rawData: makeTensor('s', F, [scales.length], scales).raw },
    { name: 'z', dataType: codes, dims: [scales.length], rawData: makeTensor('z', codes, [scales.length], scales.map(() => 0)).raw },
    ...(weight ? [{ name: 'w', dataType: F, dims: shape, rawData: makeTensor('w', F, shape, weight).raw }] : []),
  ];
  return onnx.ModelProto.encode({
    irVersion: 10,
    opsetImport: [{ domain: '', version: 21 }],
    graph: {
      name: 'g',
      node: [
        { opType: 'QuantizeLinear', name: 'q', input: [src, 's', 'z'], output: ['c'], attribute: attrs },
        { opType: 'DequantizeLinear', name: 'dq', input: ['c', 's', 'z'], output: [weight ? 'd' : 'y'], attribute: attrs.slice(0, 1) },
        ...(weight ? [{ opType: 'Add', name: 'add', input: ['x', 'd'], output: ['y'] }] : []),
      ],
      input: [vi('x')],
      output: [vi('y')],
      initializer: init,
    },
  }).finish();
}

/** Values x / s across the format: its values, ties between them, subnormals, and beyond its largest value (`over`). */
function data(codes: number, scales: number[], n: number, over: boolean, r: () => number): Float32Array {
  const f = MINIFLOATS[codes];
  const emin = 1 - f.bias;
  const top = Math.floor(Math.log2(f.max));
  return Float32Array.from({ length: n }, (_, i) => {
    const e = emin - 2 + Math.floor(r() * (top - emin + (over ? 4 : 2)));
    const ulp = 2 ** (Math.max(e, emin) - f.man);
    const v = Math.min(i % 3 === 0 ? (Math.floor(r() * 2 ** (f.man + 1)) + 0.5) * ulp : 2 ** (e + r()), over ? Infinity : f.max);
    return (r() < 0.5 ? -v : v) * scales[Math.floor(i / 40) % scales.length]; // x is [2, 3, 40], per axis 1
  });
}

const CASES: [name: string, saturate: number, codes: number][] = [DT.FLOAT8E4M3FN, DT.FLOAT8E4M3FNUZ, DT.FLOAT8E5M2, DT.FLOAT8E5M2FNUZ].flatMap((t) => [
  [MINIFLOATS[t].name, 1, t],
  [MINIFLOATS[t].name, 0, t],
]);

describe('QuantizeLinear → DequantizeLinear through float8 codes vs onnxruntime', () => {
  it.each(CASES)('%s, saturate %i', async (name, saturate, codes) => {
    const seed = freshSeed();
    const r = rng(seed);
    const shape = [2, 3, 40];
    const scales = [0.25, Math.fround(0.5 + r()), Math.fround(2 ** (r() * 6 - 3))];
    for (const constant of [false, true]) {
      // (with a constant weight, x is only added to its Q→DQ)
      const x = data(codes, scales, 240, saturate === 1, r);
      const bytes = model(codes, saturate, shape, scales, constant ? data(codes, scales, 240, saturate === 1, r) : undefined);
      const session = await Session.load(await testGpu(), bytes, `${name}.onnx`);
      const ours = await session.run({ x: { data: x, shape } });
      const ref = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      const theirs = await ref.run({ x: new ort.Tensor('float32', x, shape) });
      const want = Array.from(theirs.y.data as ArrayLike<number>, Number);
      const bad = want.findIndex((v, i) => !(v === ours.y.data[i] || (Number.isNaN(v) && Number.isNaN(ours.y.data[i]))));
      expect(bad, `${name} saturate ${saturate}${constant ? ', constant weight' : ''} seed ${seed}: element ${bad} is ${ours.y.data[bad]}, onnxruntime ${want[bad]}`).toBe(-1);
      const ran = Object.keys(session.summary.preparedOpCounts ?? {});
      if (constant) expect(ran, 'the weight is quantized by constant folding').not.toContain('QuantizeLinear');
      else expect(ran, 'Q and DQ run on the GPU, unfused').toEqual(expect.arrayContaining(['QuantizeLinear', 'DequantizeLinear']));
      await ref.release();
      session.dispose();
    }
  });
});
