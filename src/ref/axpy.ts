// Float64 reference of shaders/axpy.wgsl.

/** y + alpha · x. */
export function axpyRef(x: ArrayLike<number>, y: ArrayLike<number>, alpha: number): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i] + alpha * x[i];
  return out;
}
