// A whole block's gradient on the GPU against a float64 reference: ResNet-20's first residual block
// (conv → relu → LSQ → conv → + input → relu → LSQ) with AdaRound weights, QDrop dropping (p = 0.5)
// and input mixing, random caches; compares the loss, ∂L/∂V of both convs and ∂L/∂s of both quantizers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { resnet20, sharedMissing } from '../data/test-paths';
import { tensorFloat32 } from '../onnx/dtype';
import { quantizeCodes } from '../quant/apply';
import { qrange, type ActQuant, type WeightQuant } from '../quant/types';
import { conv2dRef } from '../ref/conv2d';
import { conv2dGradInputRef, conv2dGradWeightRef } from '../ref/conv2d-grad';
import { adaroundBackwardRef, adaroundSoftRef } from '../ref/adaround';
import { lsqBackwardRef, lsqForwardRef } from '../ref/lsq-quant';
import { reconLossRef } from '../ref/recon-loss';
import { gatherBatchRef } from '../ref/gather-batch';
import { lsqGradScale } from '../gpu/kernels/lsq-quant';
import { freshSeed, randArray, rng, testGpu } from '../test/helpers';
import { analyzeSession, sessionBlocks } from './analysis';
import { BlockProgram } from './program';
import { STREAM, stepBuffer, writeStep } from './step';
import { sampleCacheOf } from './cache';
import { DEFAULT_CONFIG } from '../quant/types';

/** ‖a − b‖ / ‖b‖ */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe.skipIf(!!sharedMissing)('block program gradient', () => {
  it('residual block: loss, dV and ds match float64 within 1 % (norm)', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const config = { ...DEFAULT_CONFIG, wBits: 3, aBits: 4 };
    const { blocks } = sessionBlocks(s, config);
    const block = blocks[1];
    const B = 2;
    const a = analyzeSession(s, B);
    const [c1, c2] = block.layers.map((name) => a.gpuNodes.find((g) => g.node.name === name)!.node);
    const weights: WeightQuant[] = [c1, c2].map((n) => {
      const t = s.graph.initializers.get(n.inputs[1])!;
      const w = tensorFloat32(t);
      const range = qrange(3, false);
      const M = t.dims[0];
      const per = w.length / M;
      const scales = new Float32Array(M);
      const zeroPoints = new Int32Array(M);
      for (let m = 0; m < M; m++) {
        let lo = 0;
        let hi = 0;
        for (let k = 0; k < per; k++) [lo, hi] = [Math.min(lo, w[m * per + k]), Math.max(hi, w[m * per + k])];
        scales[m] = Math.fround((hi - lo) / range.qmax || 1e-3);
        zeroPoints[m] = Math.round(-lo / scales[m]);
      }
      return { node: n.name, weight: n.inputs[1], dims: t.dims, range, axis: 0, scales, zeroPoints, codes: quantizeCodes(w, t.dims, 0, range, scales, zeroPoints) };
    });
    const acts: ActQuant[] = block.acts.map((tensor) => ({ tensor, range: qrange(4, false), scale: Math.fround(0.05 + 0.1 * r()), zeroPoint: 0 }));
    const count = 5;
    const xSize = 16 * 32 * 32;
    const xFp = randArray(count * xSize, r, 0, 1.5);
    const xQ = Float32Array.from(xFp, (v) => Math.round(v / 0.1) * 0.1);
    const yFp = randArray(count * xSize, r, 0, 2);
    const caches = { x: sampleCacheOf(gpu, 'xfp', xFp, count), xQ: sampleCacheOf(gpu, 'xq', xQ, count), y: sampleCacheOf(gpu, 'yfp', yFp, count) };
    const step = stepBuffer(gpu, 'test');
    const p = 0.5;
    const program = new BlockProgram(gpu, a, block, weights, acts, caches, step, { batch: B, drop: p, inputDrop: p, lsq: true, historyLength: 1 });
    // V away from its initial value, so h(V) spans the soft range and the clamps
    const vs = weights.map((w) => randArray(w.codes.length, r, -3, 3));
    weights.forEach((w, k) => gpu.write(program.layerState(w.node)!.v.buffer, vs[k]));
    const st = { iter: 3 + Math.floor(r() * 100), seed: 1 + Math.floor(r() * 1e6), beta: 2 + 18 * r(), lambda: 0.01 };
    writeStep(gpu, step, { ...st, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });
    await gpu.run(program.gradientOnly());
    const gotLoss = (await gpu.read(program.recHistory, 1))[0];
    const gotDv = await Promise.all(weights.map((w) => gpu.read(program.gradOf('v', w.node), w.codes.length)));
    const gotDs = await Promise.all(acts.map((x) => gpu.read(program.gradOf('s', x.tensor), 1)));

    // float64 reference of the same iteration
    const batch = gatherBatchRef(xFp, xQ, yFp, count, xSize, xSize, B, p, st.seed, st.iter);
    const wFloor = weights.map((w) => program.layerState(w.node)!.wFloorHost);
    const soft = weights.map((w, k) => adaroundSoftRef(wFloor[k], vs[k], w));
    const bias = [c1, c2].map((n) => tensorFloat32(s.graph.initializers.get(n.inputs[2])!));
    const conv = { strides: [1, 1] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], dilations: [1, 1] as [number, number], group: 1 };
    const xs = [B, 16, 32, 32];
    const ws = [16, 16, 3, 3];
    const lsq = (k: number) => ({ s: acts[k].scale, z: 0, qmin: 0, qmax: 15, p, stream: STREAM.dropBase + k, seed: st.seed, iter: st.iter });
    const h1 = conv2dRef(batch.x, xs, soft[0], ws, bias[0], conv).data;
    const r1 = h1.map((v) => Math.max(v, 0));
    const q1 = lsqForwardRef(r1, lsq(0));
    const h2 = conv2dRef(q1, xs, soft[1], ws, bias[1], conv).data;
    const sum = h2.map((v, i) => v + batch.x[i]);
    const r2 = sum.map((v) => Math.max(v, 0));
    const yhat = lsqForwardRef(r2, lsq(1));
    const { loss, dyhat } = reconLossRef(yhat, batch.y, xs);
    const n = B * xSize;
    const b2 = lsqBackwardRef(r2, dyhat, lsq(1), lsqGradScale(n, 15));
    const dsum = b2.dx.map((g, i) => (sum[i] > 0 ? g : 0));
    const dW2 = conv2dGradWeightRef(q1, xs, dsum, xs, ws, conv);
    const dq1 = conv2dGradInputRef(dsum, xs, soft[1], ws, xs, conv);
    const b1 = lsqBackwardRef(r1, dq1, lsq(0), lsqGradScale(n, 15));
    const dh1 = b1.dx.map((g, i) => (h1[i] > 0 ? g : 0));
    const dW1 = conv2dGradWeightRef(batch.x, xs, dh1, xs, ws, conv);
    const dv = [dW1, dW2].map((dW, k) => adaroundBackwardRef(dW, wFloor[k], vs[k], weights[k], st.beta, st.lambda).dV);

    const what = `seed ${seed}`;
    expect(Math.abs(gotLoss - loss) / loss, `${what}: loss ${gotLoss} vs ${loss}`).toBeLessThan(1e-3);
    for (let k = 0; k < 2; k++) expect(relErr(gotDv[k], dv[k]), `${what}: dV of conv ${k + 1}`).toBeLessThan(1e-2);
    const wantDs = [b1.ds, b2.ds];
    for (let k = 0; k < 2; k++) expect(Math.abs(gotDs[k][0] - wantDs[k]), `${what}: ds ${k + 1} ${gotDs[k][0]} vs ${wantDs[k]}`).toBeLessThan(1e-2 * Math.abs(wantDs[k]) + 1e-3 * [b1, b2][k].dsAbs);
    program.destroy();
  }, 120_000);
});
