// Fidelity metrics against direct float64 formulas: a hand-worked case, random outputs streamed in
// batches (padding rows ignored), arg-max agreement of classifier and dense outputs, identity.
import { describe, expect, it } from 'vitest';
import { freshSeed, randArray, rng } from '../test/helpers';
import { argmaxAxis1, FidelityAccumulator, fidelityJson, fidelityOf, formatFidelity } from './fidelity';

const t = (data: number[] | Float32Array, shape: number[]) => ({ data: Float32Array.from(data), shape });

describe('fidelity', () => {
  it('matches a hand-worked example', () => {
    const [f] = fidelityOf({ y: t([1, 2, 3, 4], [1, 4]) }, { y: t([1, 2, 3, 5], [1, 4]) });
    expect(f.sqnrDb).toBeCloseTo(10 * Math.log10(30 / 1), 12);
    expect(f.cosine).toBeCloseTo(34 / Math.sqrt(30 * 39), 12);
    expect(f.maxAbsError).toBe(1);
    expect(f.top1Agreement).toBe(1); // both pick class 3
    expect(f.pixelAgreement).toBeNull();
    expect(formatFidelity(f)).toMatch(/^y \[N, 4\]: SQNR 14\.77 dB, cosine 0\.9\d+, max \|error\| 1\.000, top-1 agreement 100\.00 %$/);
  });

  it('identical outputs: infinite SQNR, cosine 1, no error (null SQNR in JSON)', () => {
    const x = t([0.5, -1, 2, 0, 3, 1], [2, 3]);
    const [f] = fidelityOf({ y: x }, { y: x });
    expect(f).toMatchObject({ sqnrDb: Infinity, cosine: 1, maxAbsError: 0, top1Agreement: 1, images: 2 });
    expect(JSON.parse(JSON.stringify(fidelityJson([f]))).y.sqnrDb).toBeNull();
  });

  it('streams batches like one pass over all images, ignoring padding rows, per output', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const n = 7;
    const k = 5;
    const x = randArray(n * k, r, -2, 2);
    const q = x.map((v) => v + (r() - 0.5) * 0.3);
    const box = randArray(n * 3, r);
    const boxQ = box.map((v) => Math.round(v * 8) / 8);
    let xx = 0;
    let ee = 0;
    let xq = 0;
    let qq = 0;
    let max = 0;
    for (let i = 0; i < x.length; i++) {
      xx += x[i] * x[i];
      ee += (x[i] - q[i]) ** 2;
      xq += x[i] * q[i];
      qq += q[i] * q[i];
      max = Math.max(max, Math.abs(x[i] - q[i]));
    }
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const am = (a: Float32Array) => argmaxAxis1(a.subarray(i * k, (i + 1) * k), 1, k, 1)[0];
      if (am(x) === am(q)) agree++;
    }
    // batches of 4: the second holds 3 images and one padding row of garbage
    const acc = new FidelityAccumulator();
    for (const [start, rows] of [[0, 4], [4, 3]]) {
      const pad = (a: Float32Array, per: number, junk: number) => {
        const out = new Float32Array(4 * per).fill(junk);
        out.set(a.subarray(start * per, (start + rows) * per));
        return out;
      };
      acc.add({ logits: t(pad(x, k, 9), [4, k]), box: t(pad(box, 3, 1), [4, 3]) }, { logits: t(pad(q, k, -9), [4, k]), box: t(pad(boxQ, 3, -1), [4, 3]) }, rows);
    }
    const [f, b] = acc.result();
    expect(f.name, `seed ${seed}`).toBe('logits');
    expect(f.images).toBe(n);
    expect(f.sqnrDb, `seed ${seed}`).toBeCloseTo(10 * Math.log10(xx / ee), 9);
    expect(f.cosine, `seed ${seed}`).toBeCloseTo(xq / Math.sqrt(xx * qq), 12);
    expect(f.maxAbsError, `seed ${seed}`).toBeCloseTo(max, 12);
    expect(f.top1Agreement, `seed ${seed}`).toBe(agree / n);
    expect(b.name).toBe('box');
    expect(b.maxAbsError, `seed ${seed}`).toBeLessThanOrEqual(1 / 16 + 1e-7);
  });

  it('dense class scores [N, C, H, W]: per-pixel arg-max agreement over the channel axis', () => {
    // one image, 2 classes, 1×3 pixels: class 1 wins at pixels 0 and 2 in float, only at 0 in quant
    const x = t([0, 5, 0, 1, 0, 1], [1, 2, 1, 3]);
    const q = t([0, 5, 2, 1, 0, 0.5], [1, 2, 1, 3]);
    expect([...argmaxAxis1(x.data, 1, 2, 3)]).toEqual([1, 0, 1]);
    const [f] = fidelityOf({ seg: x }, { seg: q });
    expect(f.pixelAgreement).toBeCloseTo(2 / 3, 12);
    expect(f.top1Agreement).toBeNull();
  });

  it('class scores as a 1×1 map [N, K, 1, 1] (Caffe-era nets): top-1 agreement, not pixels', () => {
    // two images, 3 classes: both agree on image 0 (class 2), differ on image 1 (class 0 vs 1)
    const x = t([0, 1, 5, 4, 1, 0], [2, 3, 1, 1]);
    const q = t([0, 1, 4, 1, 4, 0], [2, 3, 1, 1]);
    const [f] = fidelityOf({ prob: x }, { prob: q });
    expect(f.top1Agreement).toBe(0.5);
    expect(f.pixelAgreement).toBeNull();
    // a one-channel map and a real spatial map are not classifiers
    const [d] = fidelityOf({ seg: t([0, 1, 2, 3], [1, 2, 1, 2]) }, { seg: t([0, 1, 2, 3], [1, 2, 1, 2]) });
    expect([d.top1Agreement, d.pixelAgreement]).toEqual([null, 1]);
    const [one] = fidelityOf({ m: t([1, 2], [1, 1, 1, 2]) }, { m: t([1, 2], [1, 1, 1, 2]) });
    expect([one.top1Agreement, one.pixelAgreement]).toEqual([null, null]);
  });
});
