// Typed wrapper over shaders/adam.wgsl: one Adam step (PyTorch semantics, weight decay 0) whose
// learning rate and bias corrections come from the per-iteration step uniform (src/recon/step.ts).
import { type Dispatch, type Gpu } from '../gpu';
import { elementGrid } from '../elements';

export interface AdamOptions {
  /** Which learning rate of the step uniform: 'v' (AdaRound V, lr_v) or 's' (LSQ step sizes, lr_s). */
  slot: 'v' | 's';
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** After the update p = max(|p|, eps): keeps LSQ step sizes positive (QDrop: float32 eps). */
  positive?: { eps: number };
  /**
   * Parameter k is param[k·stride] (default 1). Stride 2 updates the s of [s, z] pairs (an LSQ
   * state buffer) and leaves z alone; grad, m and v stay contiguous (n words each).
   */
  stride?: number;
}

/**
 * One Adam step over n parameters, in place on param, m and v (m, v zero-initialised by the
 * caller; bc1 = 1 − β1^t and bc2 = 1 − β2^t for step t ≥ 1 written by the host with the lr).
 */
export function adam(gpu: Gpu, param: GPUBuffer, grad: GPUBuffer, m: GPUBuffer, v: GPUBuffer, n: number, o: AdamOptions, step: GPUBuffer, label = 'Adam'): Dispatch {
  const stride = o.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`${label}: stride ${stride}`);
  if (param.size < ((n - 1) * stride + 1) * 4) throw new Error(`${label}: param holds ${param.size / 4} words, needs ${(n - 1) * stride + 1}`);
  for (const [name, b] of [['grad', grad], ['m', m], ['v', v]] as const) if (b.size < n * 4) throw new Error(`${label}: ${name} holds ${b.size / 4} words, needs ${n}`);
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const u = gpu.uniform(label, [n, stride, o.slot === 's' ? 1 : 0, o.positive ? 1 : 0], [b2, 1 - b1, 1 - b2, o.eps ?? 1e-8, o.positive?.eps ?? 0]);
  return gpu.dispatch('adam', [param, grad, m, v, u, step], elementGrid(gpu, n, 256), {}, label);
}
