// The fake worker's data-free methods (for store tests): a noise pass of 4 ticks, SQuant 1 ms per
// layer, and a level view of 3 uniform and 5 APoT values (none at 8 bits), all without a GPU.
import { StudioError } from '../engine/errors';
import type { DataFreeApi, DataFreeRequest } from '../worker/data-free-api';
import type { QuantLayerRow } from '../worker/quant-api';

const tick = () => new Promise((r) => setTimeout(r, 1));

export function fakeDataFree(layers: string[], isCancelled: (jobId: number) => boolean, requests: DataFreeRequest[]): DataFreeApi {
  let bits: number[] = [];
  return {
    dataFree: async (req, onProgress) => {
      requests.push(req);
      if (req.rounding === 'squant' && req.config.wLevels === 'apot') throw new StudioError('bad-input', 'SQuant rounds on the uniform grid');
      const squant = req.rounding === 'squant';
      const config = squant ? { ...req.config, wObserver: 'minmax' as const } : req.config;
      const total = layers.length * (squant ? 2 : 1) + 5;
      const base = { ms: 3, images: 0, failed: [], rows: [], config, noiseImages: 4, squantMs: null, sampleSource: 'noise' as const };
      for (let done = 1; done < total; done++) {
        if (isCancelled(req.jobId)) return { ...base, cancelled: true };
        await tick();
        onProgress({ phase: done <= layers.length ? 'weights' : done <= layers.length + 4 ? 'activations' : 'squant', done, total });
      }
      bits = layers.map((_, i) => (config.firstLast8bit && (i === 0 || i === layers.length - 1) ? 8 : config.wBits));
      const stats = (b: number, sqnrDb: number) => ({ bits: b, min: -1, max: 1, scale: 2 / (2 ** b - 1), sqnrDb });
      const rows: QuantLayerRow[] = layers.map((name, index) => ({
        index,
        name,
        opType: 'Conv',
        weight: stats(bits[index], 25 - 5 * index),
        actTensor: index ? `${name}_in` : null,
        act: index ? stats(config.aBits, 20) : null,
        ...(squant ? { squantMs: 1, squantMoved: index } : {}),
      }));
      onProgress({ phase: 'report', done: total, total });
      return { ...base, cancelled: false, rows, squantMs: squant ? layers.length : null, sampleSource: req.sample?.length ? 'images' : 'noise' };
    },
    weightLevels: async (layer, channel, n) => {
      const i = layers.indexOf(layer);
      if (i < 0 || !bits.length) throw new StudioError('bad-input', `Layer "${layer}" has no quantized weights`);
      const apot = bits[i] === 8 ? null : [-1, -0.5, 0, 0.5, 1];
      return { layer, channel: Math.min(channel, 3), channels: 4, bits: bits[i], current: 'uniform', lo: -1, width: 2 / n, counts: new Array<number>(n).fill(1), uniform: [-1, 0, 1], apot, uniformSqnrDb: 20, apotSqnrDb: apot && 22 };
    },
  };
}
