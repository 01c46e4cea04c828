// The studio evaluates a quantized Conv/Gemm by summing integer codes (exactSumGraph): on ResNet-20, a
// layer's output is bit-equal to fround((Σ (x_q − z_x)(w_q − z_w) + b_q) · fround(s_x·s_w)) computed
// here in exact integer arithmetic, where the float-sum graph reconstruction uses is not; the whole
// model computes the same function either way (close logits), and every Conv/Gemm that reads a
// quantized activation takes the exact path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { openImageSet } from '../data/image-set-node';
import { PRESETS } from '../data/presets';
import { cifarTestDir, cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { testGpu } from '../test/helpers';
import { exactSumGraph } from './apply';
import { calibrate } from './calibrate';
import { DEFAULT_CONFIG, type QuantConfig } from './types';

describe.skipIf(!!sharedMissing)('exact-sum evaluation of quantized layers', () => {
  it.each([
    [8, 8],
    [4, 4],
  ])('ResNet-20 W%iA%i: integer sums bit-exact per layer, the same model end to end', async (wBits, aBits) => {
    const s = await Session.load(await testGpu(), new Uint8Array(readFileSync(resnet20)), 'resnet20_cifar10.onnx');
    const config: QuantConfig = { ...DEFAULT_CONFIG, wBits, aBits, calibCount: 16 };
    const calib = openImageSet(cifarTrainDir, PRESETS.cifar10, { limit: 16 });
    const state = await calibrate(s, config, { batches: () => [...calib.batches(16)].map((b) => ({ data: b.data, shape: b.shape })), batchCount: 1 });
    const qg = s.quantGraph!;
    const eg = exactSumGraph(qg, state);
    // every weighted layer with a quantized input takes the exact path (ResNet-20: 18 of its 20)
    const exact = eg.nodes.filter((n) => n.name.endsWith('::fq::codes') && n.opType !== 'FakeQuant');
    const withQuantInput = qg.nodes.filter((n) => (n.opType === 'Conv' || n.opType === 'Gemm') && n.inputs[0].endsWith('::fq'));
    expect(exact.length).toBe(withQuantInput.length);
    expect(exact.length).toBeGreaterThanOrEqual(state.weights.length - 2);

    // one 3×3 Conv deep in the net, checked element by element against integer arithmetic
    const conv = exact.filter((n) => n.opType === 'Conv')[Math.floor(exact.length / 2)];
    const key = conv.name.replace(/::fq::codes$/, '');
    const w = state.weights.find((x) => x.node === key)!;
    const a = state.acts.find((x) => `${x.tensor}::fq::codes` === conv.inputs[0])!;
    const b = state.biases!.find((x) => x.node === key)!;
    const y = qg.nodes.find((n) => (n.name || n.outputs[0]) === key)!.outputs[0];
    expect(w.dims.slice(2)).toEqual([3, 3]);
    const test = openImageSet(cifarTestDir, PRESETS.cifar10, { limit: 4 });
    const [batch] = [...test.batches(4)];
    const feed = { input: { data: batch.data, shape: batch.shape } };
    const inputName = s.graph.inputs[0].name;
    const exactRun = await s.inspect({ [inputName]: feed.input }, [conv.inputs[0], y], { quant: true });
    const xc = exactRun.get(conv.inputs[0])!;
    const got = exactRun.get(y)!.data;
    const [N, C, H, W] = xc.shape;
    const [M, , kH, kW] = w.dims;
    const pads = conv.attrs.pads?.type === 'ints' ? conv.attrs.pads.value : [0, 0, 0, 0];
    const strides = conv.attrs.strides?.type === 'ints' ? conv.attrs.strides.value : [1, 1];
    const oH = Math.floor((H + pads[0] + pads[2] - kH) / strides[0]) + 1;
    const oW = Math.floor((W + pads[1] + pads[3] - kW) / strides[1]) + 1;
    expect(got.length).toBe(N * M * oH * oW);
    expect(xc.data.every((v) => Number.isInteger(v) && v >= a.range.qmin - a.zeroPoint && v <= a.range.qmax - a.zeroPoint)).toBe(true);
    const want = new Float32Array(got.length);
    for (let n = 0; n < N; n++)
      for (let m = 0; m < M; m++) {
        const sc = Math.fround(a.scale * w.scales[w.scales.length === 1 ? 0 : m]);
        const zw = w.zeroPoints[w.zeroPoints.length === 1 ? 0 : m];
        for (let oh = 0; oh < oH; oh++)
          for (let ow = 0; ow < oW; ow++) {
            let acc = b.codes[m];
            for (let c = 0; c < C; c++)
              for (let kh = 0; kh < kH; kh++)
                for (let kw = 0; kw < kW; kw++) {
                  const ih = oh * strides[0] - pads[0] + kh;
                  const iw = ow * strides[1] - pads[1] + kw;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  acc += xc.data[((n * C + c) * H + ih) * W + iw] * (w.codes[((m * C + c) * kH + kh) * kW + kw] - zw);
                }
            want[((n * M + m) * oH + oh) * oW + ow] = Math.fround(acc * sc);
          }
      }
    const off = got.reduce((k, v, i) => k + (v !== want[i] ? 1 : 0), 0);
    expect(off, `${off} of ${got.length} outputs of ${key} differ from the integer sums`).toBe(0);

    // the float-sum graph (reconstruction's) rounds its sums, and upstream of this layer a code may
    // have flipped at a tie: close, not bit-equal
    s.setQuant(qg, qg);
    const fl = (await s.inspect({ [inputName]: feed.input }, [y], { quant: true })).get(y)!.data;
    let num = 0;
    let den = 0;
    let differ = 0;
    for (let i = 0; i < fl.length; i++) {
      [num, den] = [num + (fl[i] - want[i]) ** 2, den + want[i] ** 2];
      if (fl[i] !== want[i]) differ++;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-2);
    expect(differ).toBeGreaterThan(0);
    const floatLogits = (await s.run({ [inputName]: feed.input }, { quant: true }))[s.graph.outputs[0].name].data;
    s.setQuant(qg, eg);
    const exactLogits = (await s.run({ [inputName]: feed.input }, { quant: true }))[s.graph.outputs[0].name].data;
    [num, den] = [0, 0];
    for (let i = 0; i < exactLogits.length; i++) [num, den] = [num + (exactLogits[i] - floatLogits[i]) ** 2, den + floatLogits[i] ** 2];
    console.log(`ResNet-20 W${wBits}A${aBits}: ${exact.length} exact-sum layers; ${key}: ${differ} of ${fl.length} float-sum outputs off the integer sums; logits rel L2 exact vs float sums ${Math.sqrt(num / den).toExponential(2)}`);
    expect(Math.sqrt(num / den)).toBeLessThan(wBits === 8 ? 1e-2 : 5e-2);
    s.dispose();
  }, 300_000);
});
