// Data-free calibration (DESIGN.md §7, as the official SQuant code does it): weight grids from the
// weights, activation ranges from one forward pass of uniform [0, 1) noise fed as the input tensor
// (its `rand_input`), per tensor: [0, α·σ] with σ the std of the positive values, or [−α·σ/1.25, α·σ/1.25]
// (σ of all values) where the tensor goes negative; capped at the observed max below 6 bits.
// The statistics are the float model's: the official pass runs the model being quantized, so a
// tensor there already sees the quantized weights and activations before it.
import type { Graph } from '../graph/ir';
import type { Session } from '../engine/session';
import { biasesOf, quantizeWeights, setQuantGraphs, throwIfCancelled, type CalibrationProgress } from './calibrate';
import { qparams } from './observers';
import { layerName, place, weightedLayers } from './placement';
import { qrange, type ActQuant, type QuantConfig, type QuantState } from './types';

/** Noise images of the pass (the official code uses one batch of 256 at 224²; σ over ≥ 10⁵ values per tensor settles long before). */
export const NOISE_IMAGES = 32;
/** Per readback of all quantized tensors: the batch shrinks below this many values. */
const READBACK_VALUES = 1 << 24;

/**
 * α of the official run.sh per activation bit width (-s 12 / 14 / 25 at A4 / A6 / A8); below 4 as
 * at 4, 5 and 7 interpolated. One α per run, from the configured bits (the 8-bit last-layer input too).
 */
export function squantAlpha(aBits: number): number {
  if (aBits <= 4) return 12;
  if (aBits <= 6) return 12 + (aBits - 4);
  return 14 + ((aBits - 6) * 11) / 2;
}

/** Running moments of one tensor over the noise pass. */
export class NoiseStats {
  n = 0;
  sum = 0;
  sumSq = 0;
  pos = 0;
  posSum = 0;
  posSumSq = 0;
  min = Infinity;
  max = -Infinity;

  add(x: ArrayLike<number>): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      this.n++;
      this.sum += v;
      this.sumSq += v * v;
      if (v > 0) {
        this.pos++;
        this.posSum += v;
        this.posSumSq += v * v;
      }
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
  }

  /** The range SQuant gives this tensor at `bits` with multiplier α (torch's std: n − 1). */
  range(alpha: number, bits: number): [number, number] {
    const std = (n: number, s: number, s2: number) => (n > 1 ? Math.sqrt(Math.max(0, (s2 - (s * s) / n) / (n - 1))) : 0);
    const signed = this.min < 0;
    let a = signed ? (alpha * std(this.n, this.sum, this.sumSq)) / 1.25 : alpha * std(this.pos, this.posSum, this.posSumSq);
    if (bits < 6) a = Math.min(a, this.max);
    return [signed ? -a : 0, a];
  }
}

/** SQuant's policy for the last layer: its input stays 8-bit even when its weights are at target bits. */
export function lastInput8bit(g: Graph, config: QuantConfig): QuantConfig {
  const layers = weightedLayers(g);
  if (config.firstLast8bit || layers.length === 0) return config;
  const last = layerName(layers[layers.length - 1]);
  const o = config.overrides[last] ?? {};
  return { ...config, overrides: { ...config.overrides, [last]: { ...o, aBits: o.aBits ?? 8 } } };
}

/** Uniform [0, 1) images, image k from seed + k (mulberry32): the same pixels whatever the batching. */
function noise(images: number, perImage: number, seed: number): Float32Array {
  const out = new Float32Array(images * perImage);
  let s = 0;
  for (let i = 0; i < out.length; i++) {
    if (i % perImage === 0) s = (seed + i / perImage) >>> 0;
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

export interface DataFreeOptions {
  images?: number;
  /** Largest batch (a model with a fixed batch uses its own). */
  batch?: number;
  seed?: number;
  onProgress?: (p: CalibrationProgress) => void;
  signal?: { cancelled: boolean };
}

/** Weights as calibrate() quantizes them, activation ranges from the noise pass; sets the session's fake-quant graph. */
export async function calibrateDataFree(session: Session, config: QuantConfig, opts: DataFreeOptions = {}): Promise<QuantState> {
  const placement = place(session.graph, config);
  const layers = placement.layers.filter((l) => !l.float);
  const input = session.graph.inputs[0].name;
  const images = opts.images ?? NOISE_IMAGES;
  const declared = session.graph.inputs[0].shape?.[0];
  const fixedBatch = typeof declared === 'number' && declared > 0 ? declared : undefined;
  const maxBatch = Math.max(1, opts.batch ?? 32);
  const tensors = placement.acts.map((a) => a.tensor);
  const total = layers.length + images;
  const weights = await quantizeWeights(session, layers, config, opts.signal, (done) => opts.onProgress?.({ phase: 'weights', done, total }));
  const stats = tensors.map(() => new NoiseStats());
  let seen = 0;
  let batch = 1; // one image first, to size the batches within READBACK_VALUES
  const seed = opts.seed ?? 0x5eed;
  while (seen < images && tensors.length) {
    throwIfCancelled(opts.signal);
    const b = fixedBatch ?? Math.min(batch, images - seen);
    const shape = session.inputShapeOf(input, b);
    const values = await session.inspect({ [input]: { data: noise(b, shape.slice(1).reduce((p, d) => p * d, 1), seed + seen), shape } }, tensors);
    let count = 0;
    tensors.forEach((t, i) => {
      const v = values.get(t)!.data;
      stats[i].add(v);
      count += v.length;
    });
    batch = Math.max(1, Math.min(maxBatch, Math.floor((READBACK_VALUES * b) / count)));
    seen += b;
    opts.onProgress?.({ phase: 'activations', done: layers.length + Math.min(seen, images), total });
  }
  const alpha = squantAlpha(config.aBits);
  const acts: ActQuant[] = placement.acts.map((a, i) => {
    const range = qrange(a.bits, config.aSymmetric);
    const [lo, hi] = stats[i].range(alpha, a.bits);
    const p = qparams(lo, hi, range);
    return { tensor: a.tensor, range, scale: p.scale, zeroPoint: p.zeroPoint };
  });
  const state: QuantState = { config, weights, acts, biases: biasesOf(session, layers, weights, acts) };
  setQuantGraphs(session, state);
  return state;
}
