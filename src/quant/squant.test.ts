// SQuant on real weights: every Conv/Gemm layer of ResNet-20 and MobileNetV2, per-channel MinMax
// grids, GPU codes identical to the CPU implementation of the official algorithm (tolerance 0), and
// SQuant's invariants per output channel and per kernel. MobileNetV2 at 4 bits runs always, its
// 8-bit pass under QS_LONG=1.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeGraph } from '../graph/normalize';
import { readModel } from '../onnx/read';
import { tensorFloat32 } from '../onnx/dtype';
import { squantInput } from '../gpu/kernels/squant';
import { squantRef } from '../ref/squant';
import { resnet20, sharedDir } from '../data/test-paths';
import { freshSeed, randArray, rng, testGpu } from '../test/helpers';
import { quantizeCodes } from './apply';
import { qparams } from './observers';
import { layerName, place } from './placement';
import { squantLayer, squantLayout } from './squant';
import { DEFAULT_CONFIG, qrange, type WeightQuant } from './types';

const mobilenetV2 = resolve(sharedDir, 'models/zoo/mobilenet_v2.onnx');
const LONG = process.env.QS_LONG === '1';

/** Per output channel MinMax grid of w (asymmetric, as the MinMax observer sets it) and its nearest codes. */
function minmaxQuant(node: string, weight: string, w: Float32Array, dims: number[], axis: number, bits: number): WeightQuant {
  const range = qrange(bits, false);
  const { rows, shape } = squantLayout(w, dims, axis);
  const per = shape.kernels * shape.ksize;
  const scales = new Float32Array(shape.channels);
  const zeroPoints = new Int32Array(shape.channels);
  for (let c = 0; c < shape.channels; c++) {
    let [lo, hi] = [Infinity, -Infinity];
    for (let i = c * per; i < (c + 1) * per; i++) [lo, hi] = [Math.min(lo, rows[i]), Math.max(hi, rows[i])];
    const p = qparams(lo, hi, range);
    [scales[c], zeroPoints[c]] = [p.scale, p.zeroPoint];
  }
  return { node, weight, dims, range, axis, scales, zeroPoints, codes: quantizeCodes(w, dims, axis, range, scales, zeroPoints) };
}

/** Largest |Σ(code − z − v)| over groups of `size` consecutive elements of the SQuant layout. */
function worstSum(codes: Int32Array, v: Float32Array, zeroPoints: Int32Array, per: number, size: number): number {
  let worst = 0;
  for (let g = 0; g < v.length / size; g++) {
    let s = 0;
    for (let i = g * size; i < (g + 1) * size; i++) s += codes[i] - zeroPoints[Math.floor(i / per)] - v[i];
    worst = Math.max(worst, Math.abs(s));
  }
  return worst;
}

async function checkModel(path: string, bits: number): Promise<string> {
  const gpu = await testGpu();
  const g = normalizeGraph(readModel(new Uint8Array(readFileSync(path)), path).graph);
  const layers = place(g, { ...DEFAULT_CONFIG, wBits: bits, firstLast8bit: false }).layers;
  expect(layers.length).toBeGreaterThan(0);
  let gpuMs = 0;
  let moved = 0;
  let total = 0;
  let worstChannel = 0;
  let worstKernel = 0;
  for (const l of layers) {
    const w = tensorFloat32(g.initializers.get(l.weight)!);
    const wq = minmaxQuant(layerName(l.node), l.weight, w, l.dims, l.axis, bits);
    const got = await squantLayer(gpu, w, wq, l.axis);
    gpuMs += got.ms;
    const { rows, shape, back } = squantLayout(w, l.dims, l.axis);
    const v = squantInput(rows, shape.channels, wq.scales);
    const refRows = squantRef(v, shape, { zeroPoints: wq.zeroPoints, qmin: wq.range.qmin, qmax: wq.range.qmax });
    const want = back(refRows);
    const bad = want.findIndex((x, i) => x !== got.codes[i]);
    expect(bad, `${wq.node} [${l.dims}] ${bits}-bit: element ${bad} gpu ${got.codes[bad]} ref ${want[bad]}`).toBe(-1);
    for (let i = 0; i < want.length; i++) if (want[i] !== wq.codes[i]) moved++;
    total += want.length;
    const per = shape.kernels * shape.ksize;
    worstChannel = Math.max(worstChannel, worstSum(refRows, v, wq.zeroPoints, per, per));
    worstKernel = Math.max(worstKernel, worstSum(refRows, v, wq.zeroPoints, per, shape.ksize));
  }
  // exact sums decide on the 2^-32 grid; these are float64 sums of the same values
  expect(worstChannel, `${path}: |Σe| per output channel`).toBeLessThanOrEqual(0.5 + 1e-6);
  expect(worstKernel, `${path}: |Σe| per kernel after C`).toBeLessThanOrEqual(1 + 1e-6);
  return `${layers.length} layers, ${total} weights, ${moved} moved off nearest, GPU ${gpuMs.toFixed(0)} ms, worst |Σe| channel ${worstChannel.toFixed(4)} kernel ${worstKernel.toFixed(4)}`;
}

describe('SQuant layout of weights with the output channels on axis 1', () => {
  it.each([
    ['MatMul [K, N] = [50, 6]', [50, 6]],
    ['ConvTranspose [I, O, kH, kW] = [5, 4, 3, 3]', [5, 4, 3, 3]],
  ])('%s: channels first, and the codes back in place', async (_name, dims) => {
    const seed = freshSeed();
    const w = randArray(dims.reduce((a, b) => a * b, 1), rng(seed));
    const { rows, shape, back } = squantLayout(w, dims, 1);
    expect(shape).toEqual({ channels: dims[1], kernels: dims[0], ksize: dims.slice(2).reduce((a, b) => a * b, 1) });
    const inner = shape.ksize;
    for (let c = 0; c < dims[1]; c++) for (let i = 0; i < dims[0]; i++) for (let k = 0; k < inner; k++) {
      expect(rows[(c * dims[0] + i) * inner + k]).toBe(w[(i * dims[1] + c) * inner + k]);
    }
    const wq = minmaxQuant('layer', 'w', w, dims, 1, 4);
    const got = await squantLayer(await testGpu(), w, wq, 1);
    const want = back(squantRef(squantInput(rows, shape.channels, wq.scales), shape, { zeroPoints: wq.zeroPoints, qmin: 0, qmax: 15 }));
    expect(Array.from(got.codes), `seed ${seed}`).toEqual(Array.from(want));
    // back() of each position's index in rows finds every weight where it was
    expect(Array.from(back(Int32Array.from(rows, (_, i) => i)), (j) => rows[j]), 'back is the inverse').toEqual(Array.from(w));
  });
});

describe.skipIf(!existsSync(resnet20))('SQuant on ResNet-20: GPU = official algorithm on every layer', () => {
  it.each([4, 8])('W%i', async (bits) => {
    console.log(`ResNet-20 W${bits}: ${await checkModel(resnet20, bits)}`);
  }, 120_000);
});

describe.skipIf(!existsSync(mobilenetV2))('SQuant on MobileNetV2: GPU = official algorithm on every layer', () => {
  it.each(LONG ? [4, 8] : [4])('W%i', async (bits) => {
    console.log(`MobileNetV2 W${bits}: ${await checkModel(mobilenetV2, bits)}`);
  }, 300_000);
});
