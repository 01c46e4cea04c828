// Flatness of a reconstructed block (DESIGN.md §6): the block's reconstruction loss along a random
// direction d in weight space, L(W + α·d), with d normalised per filter to the filter's norm
// (Li et al., "Visualizing the Loss Landscape"), quantized activations without dropping and the
// quantized input. QDrop's claim is that p < 1 gives a flatter curve than p = 1.
import type { Gpu } from '../gpu/gpu';
import { dequantize } from '../quant/apply';
import type { QuantState } from '../quant/types';
import { rand01 } from '../ref/rng';
import type { ModelAnalysis } from './analysis';
import type { Block } from './blocks';
import { BlockProgram, type BlockCaches } from './program';
import { STREAM, writeStep } from './step';

export interface FlatnessOptions {
  /** Points of α, spread evenly over [−range, range]. */
  points: number;
  range: number;
  /** Batches averaged per point. */
  batches?: number;
  seed?: number;
}

export interface FlatnessCurve {
  alphas: number[];
  losses: number[];
}

/** A direction per weight tensor: Gaussian, each output channel scaled to that channel's norm in w. */
export function filterNormalizedDirection(w: Float32Array, channels: number, axis: number, seed: number, stream: number): Float32Array {
  const d = new Float32Array(w.length);
  const inner = axis === 1 ? 1 : w.length / channels;
  const chan = (i: number) => (axis === 1 ? i % channels : Math.floor(i / inner));
  for (let i = 0; i < w.length; i++) {
    // Box–Muller from two counter draws
    const u1 = Math.max(rand01(seed, stream, 2 * i, 0), 1e-12);
    const u2 = rand01(seed, stream, 2 * i + 1, 0);
    d[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  const nw = new Float64Array(channels);
  const nd = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    nw[chan(i)] += w[i] * w[i];
    nd[chan(i)] += d[i] * d[i];
  }
  for (let i = 0; i < w.length; i++) {
    const c = chan(i);
    d[i] *= nd[c] > 0 ? Math.sqrt(nw[c] / nd[c]) : 0;
  }
  return d;
}

export async function blockFlatness(gpu: Gpu, a: ModelAnalysis, block: Block, state: QuantState, caches: BlockCaches, step: GPUBuffer, batch: number, o: FlatnessOptions): Promise<FlatnessCurve> {
  const program = new BlockProgram(gpu, a, block, state.weights, state.acts, caches, step, { batch, drop: 1, inputDrop: 1, lsq: false, historyLength: 1 });
  const seed = o.seed ?? 7;
  const nb = o.batches ?? 4;
  try {
    const layers = state.weights.filter((w) => block.layers.includes(w.node));
    const base = layers.map((w) => dequantize(w));
    const dirs = layers.map((w, k) => {
      const channels = w.axis < 0 ? 1 : w.dims[w.axis];
      return filterNormalizedDirection(base[k], channels, w.axis < 0 ? 0 : w.axis, seed, STREAM.direction + 16 * k);
    });
    const alphas = Array.from({ length: o.points }, (_, i) => (o.points === 1 ? 0 : -o.range + (2 * o.range * i) / (o.points - 1)));
    const losses: number[] = [];
    for (const alpha of alphas) {
      layers.forEach((w, k) => program.setWeights(w.node, Float32Array.from(base[k], (v, i) => v + alpha * dirs[k][i])));
      let sum = 0;
      for (let b = 0; b < nb; b++) {
        writeStep(gpu, step, { iter: b, seed, beta: 2, lambda: 0, lrV: 0, lrS: 0, bc1: 1, bc2: 1 });
        gpu.encode(program.evalFixed());
        sum += (await gpu.read(program.evalLoss, 1))[0];
      }
      losses.push(sum / nb);
    }
    return { alphas, losses };
  } finally {
    program.destroy();
  }
}
