// The worker's data-free path on ResNet-20 (real GPU): SQuant W4A8 with its time and moved weights
// per layer, cancel, SQuant refusing APoT, and a layer's channel beside both grids (levels exact).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { resnet20 } from '../data/test-paths';
import { PRESETS } from '../data/presets';
import { testGpu } from '../test/helpers';
import { apotWeightCodes } from '../ref/apot';
import { DEFAULT_CONFIG, type QuantConfig, type QuantState } from '../quant/types';
import { layerName, weightedLayers } from '../quant/placement';
import type { QuantLayerRow } from './quant-api';
import type { DataFreeProgress } from './data-free-api';
import { dataFreeConfig, runDataFree, weightSqnrs } from './data-free-worker';
import { histogram, pickChannel, weightLevels } from './weight-levels';

const CONFIG: QuantConfig = { ...DEFAULT_CONFIG, wBits: 4, aBits: 8, firstLast8bit: false };

/** Rows with the weight SQNR alone (the worker's real rows come from quantReport). */
const rowsOf = (s: Session) => async (state: QuantState): Promise<QuantLayerRow[]> => {
  const db = weightSqnrs(s, state);
  return state.weights.map((w, index) => ({ index, name: w.node, opType: 'Conv', weight: { bits: w.range.bits, min: 0, max: 0, scale: 0, sqnrDb: db[w.node] }, actTensor: null, act: null }));
};

describe('weight-level helpers', () => {
  it('picks a channel on any axis and counts a histogram', () => {
    const x = Float32Array.from({ length: 24 }, (_, i) => i); // [2, 3, 4]
    expect(Array.from(pickChannel(x, [2, 3, 4], 0, 1))).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(Array.from(pickChannel(x, [2, 3, 4], 1, 2))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(histogram([0, 0.1, 0.5, 1], 0, 1, 2)).toEqual({ width: 0.5, counts: [2, 2] });
  });
});

describe.skipIf(!existsSync(resnet20))('data-free in the worker, ResNet-20', () => {
  it('runs SQuant W4A8 with per-layer time, cancels, and shows a channel against both grids', async () => {
    const gpu = await testGpu();
    const s = await Session.load(gpu, new Uint8Array(readFileSync(resnet20)), 'resnet20.onnx');
    const req = { jobId: 1, config: CONFIG, rounding: 'squant' as const, preset: PRESETS.cifar10, batchSize: 16 };
    expect(() => dataFreeConfig(s.graph, { ...CONFIG, wLevels: 'apot' }, 'squant')).toThrow(/uniform grid/);

    const stopped = await runDataFree(s, req, { cancelled: true }, () => undefined, rowsOf(s));
    expect(stopped.state).toBeNull();
    expect(stopped.result.cancelled).toBe(true);

    const seen: DataFreeProgress[] = [];
    const { state, result } = await runDataFree(s, req, { cancelled: false }, (p) => seen.push(p), rowsOf(s));
    const layers = weightedLayers(s.graph);
    expect(result.config).toMatchObject({ wObserver: 'minmax', wGranularity: 'channel', overrides: { [layerName(layers[layers.length - 1])]: { aBits: 8 } } });
    expect(result.rows).toHaveLength(20);
    expect(result.rows.every((r) => r.squantMs! >= 0 && r.squantMoved! >= 0)).toBe(true);
    expect(result.rows.reduce((a, r) => a + r.squantMoved!, 0)).toBeGreaterThan(0);
    expect(result.squantMs).toBeCloseTo(result.rows.reduce((a, r) => a + r.squantMs!, 0), 6);
    expect(result.sampleSource).toBe('noise');
    expect(seen.map((p) => p.phase)).toContain('squant');
    expect(seen.at(-1)).toEqual({ phase: 'report', done: seen.at(-1)!.total, total: seen.at(-1)!.total });
    expect(seen.every((p, i) => i === 0 || p.done >= seen[i - 1].done)).toBe(true);
    console.log(`SQuant W4A8 on ResNet-20: ${result.squantMs!.toFixed(1)} ms of GPU work over 20 layers, ${result.ms.toFixed(0)} ms in all`);

    // layer1's first conv (16×16×3×3) at 4 bits: 16 uniform levels, 15 APoT ones ±{0,1,2,3,4,6,8,10}·α/10
    const name = result.rows[1].name;
    const v = await weightLevels(s, state!, name, 3, 20);
    const wq = state!.weights[1];
    expect(v).toMatchObject({ layer: name, channel: 3, channels: 16, bits: 4, current: 'uniform' });
    expect(v.counts.reduce((a, b) => a + b, 0)).toBe(144);
    expect(v.uniform).toHaveLength(16);
    expect(v.uniform[1] - v.uniform[0]).toBeCloseTo(wq.scales[3], 6);
    expect(v.uniform).toContain(0); // the zero point's level
    expect(v.apot).toHaveLength(15);
    const step = v.apot![8]; // the smallest positive level is one code
    const codes = new Set(Array.from(apotWeightCodes(4)));
    for (const a of v.apot!) expect(codes.has(Math.round(Math.abs(a) / step)), `${a} / ${step}`).toBe(true);
    expect(Math.abs(v.apot![14] / step - 10)).toBeLessThan(1e-4);
    expect(Number.isFinite(v.uniformSqnrDb) && Number.isFinite(v.apotSqnrDb!)).toBe(true);
    expect(v.lo).toBeLessThanOrEqual(Math.min(v.uniform[0], v.apot![0]));
    await expect(weightLevels(s, state!, 'no-such-layer', 0, 20)).rejects.toThrow(/no quantized weights/);
  }, 120_000);
});
