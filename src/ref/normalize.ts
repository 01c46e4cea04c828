// Float64 references of the normalization ops: LayerNormalization (with its Mean and InvStdDev
// outputs), InstanceNormalization, inference BatchNormalization and LRN, in ONNX's definitions.

export interface LayerNormOut {
  y: Float64Array;
  mean: Float64Array;
  invStd: Float64Array;
}

/**
 * Normalize each row of `n` values (x viewed as [rows, n]): y = (x − mean)·invStd·scale + bias,
 * invStd = 1/√(var + ε) with the biased variance. scale/bias (length n, or 1 for a scalar) repeat
 * for every row: LayerNormalization's form once its axis splits the shape into rows and n.
 */
export function layerNormRef(x: ArrayLike<number>, rows: number, n: number, scale: ArrayLike<number>, bias: ArrayLike<number> | undefined, eps: number): LayerNormOut {
  const y = new Float64Array(rows * n);
  const mean = new Float64Array(rows);
  const invStd = new Float64Array(rows);
  const at = (a: ArrayLike<number>, j: number) => a[a.length === 1 ? 0 : j];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[r * n + j];
    const m = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[r * n + j] - m) ** 2;
    const inv = 1 / Math.sqrt(v / n + eps);
    mean[r] = m;
    invStd[r] = inv;
    for (let j = 0; j < n; j++) y[r * n + j] = (x[r * n + j] - m) * inv * at(scale, j) + (bias ? at(bias, j) : 0);
  }
  return { y, mean, invStd };
}

/** InstanceNormalization of [N, C, ...spatial]: each (n, c) plane normalized, then scale[c]·ŷ + bias[c]. */
export function instanceNormRef(x: ArrayLike<number>, shape: readonly number[], scale: ArrayLike<number>, bias: ArrayLike<number>, eps: number): Float64Array {
  const [N, C] = shape;
  const plane = shape.slice(2).reduce((a, b) => a * b, 1);
  const y = new Float64Array(N * C * plane);
  for (let nc = 0; nc < N * C; nc++) {
    const c = nc % C;
    const row = Array.from({ length: plane }, (_, j) => x[nc * plane + j]);
    y.set(layerNormRef(row, 1, plane, [scale[c]], [bias[c]], eps).y, nc * plane);
  }
  return y;
}

/** Inference BatchNormalization of [N, C, ...]: (x − mean[c]) / √(var[c] + ε) · scale[c] + bias[c]. */
export function batchNormRef(
  x: ArrayLike<number>,
  shape: readonly number[],
  p: { scale: ArrayLike<number>; bias: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number> },
  eps: number,
): Float64Array {
  const C = shape.length > 1 ? shape[1] : 1;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: x.length }, (_, i) => {
    const c = Math.floor(i / inner) % C;
    return ((x[i] - p.mean[c]) / Math.sqrt(p.variance[c] + eps)) * p.scale[c] + p.bias[c];
  });
}

/** The per-channel y = x·a + b that inference BatchNormalization is: a = scale/√(var+ε), b = bias − mean·a. */
export function batchNormAffine(p: { scale: ArrayLike<number>; bias: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number> }, eps: number): { a: Float64Array; b: Float64Array } {
  const a = Float64Array.from({ length: p.scale.length }, (_, k) => p.scale[k] / Math.sqrt(p.variance[k] + eps));
  const b = Float64Array.from({ length: p.scale.length }, (_, k) => p.bias[k] - p.mean[k] * a[k]);
  return { a, b };
}

export interface LrnParams {
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

/**
 * LRN across channels of [N, C, ...]: y = x / (bias + α/size · Σ x²)^β, the sum over channels
 * c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ that exist.
 */
export function lrnRef(x: ArrayLike<number>, shape: readonly number[], p: LrnParams): Float64Array {
  const C = shape[1];
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const lo = Math.floor((p.size - 1) / 2);
  const hi = Math.ceil((p.size - 1) / 2);
  return Float64Array.from({ length: x.length }, (_, i) => {
    const c = Math.floor(i / inner) % C;
    let s = 0;
    for (let k = Math.max(0, c - lo); k <= Math.min(C - 1, c + hi); k++) s += x[i + (k - c) * inner] ** 2;
    return x[i] / (p.bias + (p.alpha / p.size) * s) ** p.beta;
  });
}
