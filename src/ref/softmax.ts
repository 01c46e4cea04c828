// Float64 reference of softmax over the middle axis of an [outer, axis, inner] view.

export function softmaxRef(x: ArrayLike<number>, outer: number, axisLen: number, inner: number): Float64Array {
  const y = new Float64Array(outer * axisLen * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLen * inner + i;
      let m = -Infinity;
      for (let j = 0; j < axisLen; j++) m = Math.max(m, x[base + j * inner]);
      let s = 0;
      for (let j = 0; j < axisLen; j++) s += Math.exp(x[base + j * inner] - m);
      for (let j = 0; j < axisLen; j++) y[base + j * inner] = Math.exp(x[base + j * inner] - m) / s;
    }
  }
  return y;
}
