// A Gemm whose B is larger than one storage binding (AlexNet's fc6: 144 MiB against lavapipe's
// 128 MiB) runs as column blocks of B. Those blocks are GPU constants cut on the CPU, cached by the
// session by node name; the fake-quantized graph feeds the node "<B>::fq", and its blocks must be
// its own. Before the quantized plan's derived constants were tagged "::fq" (plan.ts), its run
// silently reused the float weights (the studio showed a float fc6 while the export held int8), and
// a second calibration must not reuse the first's. Here the device is told it binds 4 KiB, so a
// 64 × 48 B splits into 3 blocks of 16 columns; the GPU computes everything as usual.
// Random data each run (TEST_SEED replays); outputs within rtol 1e-5, atol 1e-5 of a float64 reference.
import { afterAll, describe, expect, it } from 'vitest';
import type { Gpu } from '../../gpu/gpu';
import { onnx } from '../../onnx/proto/onnx';
import { Session } from '../session';
import { expectClose, freshSeed, randArray, rng, testGpu } from '../../test/helpers';

const M = 2;
const K = 64;
const N = 48;
const BIND = 4 * K * 16; // 16 columns of B per block

/** The test GPU as a device whose storage bindings hold at most `bytes` (every other limit its own). */
function bindingAtMost(gpu: Gpu, bytes: number): Gpu {
  const real = gpu.limits;
  const limits = new Proxy(real, { get: (t, k) => (k === 'maxStorageBufferBindingSize' ? bytes : Reflect.get(t, k)) });
  return Object.create(gpu, { limits: { get: () => limits } }) as Gpu;
}

/** y = x·Bᵀ + C with B [N, K] (transB) named `b` and C named `c`. */
function model(b: string, bv: Float32Array, c: string, cv: Float32Array): Uint8Array {
  const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Gemm', name: 'fc6', input: ['x', b, c], output: ['y'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      input: [vi('x', [M, K])],
      output: [vi('y', [M, N])],
      initializer: [
        { name: b, dataType: 1, dims: [N, K], floatData: [...bv] },
        { name: c, dataType: 1, dims: [N], floatData: [...cv] },
      ],
    },
  }).finish();
}

function gemmRef(x: Float32Array, b: Float32Array, c: Float32Array): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let s = c[n];
    for (let k = 0; k < K; k++) s += x[m * K + k] * b[n * K + k];
    y[m * N + n] = s;
  }
  return y;
}

const sessions: Session[] = [];
afterAll(() => sessions.forEach((s) => s.dispose()));

describe('a Gemm split into column blocks of B', () => {
  it('runs the float graph and then each fake-quantized graph with that graph’s own weights', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const gpu = bindingAtMost(await testGpu(), BIND);
    const x = randArray(M * K, r, -1, 1);
    const b = randArray(N * K, r, -1, 1);
    const c = randArray(N, r, -1, 1);
    const grid = (v: Float32Array, s: number) => v.map((e) => Math.round(e / s) * s);
    const load = async (bytes: Uint8Array) => {
      const s = await Session.load(gpu, bytes, 'split-gemm.onnx');
      sessions.push(s);
      return s;
    };
    const session = await load(model('B', b, 'C', c));
    const feeds = { x: { data: x, shape: [M, K] } };
    const tol = { rtol: 1e-5, atol: 1e-5 };

    const float = await session.run(feeds);
    expectClose(float.y.data, gemmRef(x, b, c), tol, `float (seed ${seed})`);

    // two calibrations in turn: weights on a grid of 1/4, then of 1/2 (as "<name>::fq" values)
    for (const step of [0.25, 0.5]) {
      const [bq, cq] = [grid(b, step), grid(c, step)];
      session.setQuant((await load(model('B::fq', bq, 'C::fq', cq))).graph);
      const quant = await session.run(feeds, { quant: true });
      expectClose(quant.y.data, gemmRef(x, bq, cq), tol, `quantized on a grid of ${step} (seed ${seed})`);
      // and it is not the float answer (the weights moved by up to step/2 each)
      expect(Math.max(...quant.y.data.map((v, i) => Math.abs(v - float.y.data[i])))).toBeGreaterThan(1e-3);
    }
    // the float graph still gets the float weights
    expectClose((await session.run(feeds)).y.data, gemmRef(x, b, c), tol, `float again (seed ${seed})`);
  });
});
