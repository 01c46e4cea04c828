// The per-iteration uniform of a reconstruction step (shaders/lib/step.wgsl) and the RNG streams.
import type { Gpu } from '../gpu';

export interface StepValues {
  iter: number;
  seed: number;
  beta: number;
  lambda: number;
  lrV: number;
  lrS: number;
  bc1: number;
  bc2: number;
}

/** Random streams: which draw a number is for (the rest of the counter is the iteration). */
export const STREAM = {
  /** Batch sampling: index = position in the batch. */
  batch: 1,
  /** QDrop input mixing: index = element of the batch input. */
  input: 2,
  /** Flatness directions. */
  direction: 3,
  /** Drop mask of activation quantizer k of the block: stream dropBase + k, index = element. */
  dropBase: 16,
} as const;

export const STEP_BYTES = 32;

export function stepBuffer(gpu: Gpu, label = 'step'): GPUBuffer {
  return gpu.buffer(`${label}.uniforms`, STEP_BYTES, 0x40 | 0x8 /* UNIFORM | COPY_DST */);
}

/**
 * Steps of `slots` iterations side by side (COPY_SRC | COPY_DST): the host writes a history
 * window's Step values at once and the window's one command encoder copies slot i into the
 * Step uniform before iteration i.
 */
export function stepRing(gpu: Gpu, slots: number, label = 'step'): GPUBuffer {
  return gpu.buffer(`${label}.ring`, STEP_BYTES * slots, 0x4 | 0x8 /* COPY_SRC | COPY_DST */);
}

/** Write these Step values into slots 0, 1, … of a ring. */
export function writeSteps(gpu: Gpu, ring: GPUBuffer, steps: StepValues[]): void {
  const words = new Uint8Array(STEP_BYTES * steps.length);
  steps.forEach((s, i) => words.set(new Uint8Array(stepWords(s)), STEP_BYTES * i));
  gpu.device.queue.writeBuffer(ring, 0, words);
}

export function stepWords(s: StepValues): ArrayBuffer {
  const words = new ArrayBuffer(STEP_BYTES);
  const u = new Uint32Array(words);
  const f = new Float32Array(words);
  u[0] = s.iter >>> 0;
  u[1] = s.seed >>> 0;
  f[2] = s.beta;
  f[3] = s.lambda;
  f[4] = s.lrV;
  f[5] = s.lrS;
  f[6] = s.bc1;
  f[7] = s.bc2;
  return words;
}

export function writeStep(gpu: Gpu, buffer: GPUBuffer, s: StepValues): void {
  gpu.device.queue.writeBuffer(buffer, 0, stepWords(s));
}
