// Float64 references of the block reconstruction loss (shaders/recon-loss.wgsl) and its gradient.

/** L = Σ (ŷ − y)² / (B·spatial) and dŷ = 2(ŷ − y) / (B·spatial) for shape [B, C, ...spatial]. */
export function reconLossRef(yhat: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[]): { loss: number; dyhat: Float64Array } {
  const rows = yhat.length / shape[1];
  const dyhat = new Float64Array(yhat.length);
  let loss = 0;
  for (let i = 0; i < yhat.length; i++) {
    const d = yhat[i] - y[i];
    loss += d * d;
    dyhat[i] = (2 * d) / rows;
  }
  return { loss: loss / rows, dyhat };
}

/** Σ src[0..count). */
export function sumRef(src: ArrayLike<number>, count = src.length): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += src[i];
  return s;
}
