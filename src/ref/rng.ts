// CPU twin of shaders/lib/rng.wgsl (bit-exact): pcg4d over (index, counter, stream, seed).

function pcg4d(a: number, b: number, c: number, d: number): [number, number, number, number] {
  let x = (Math.imul(a, 1664525) + 1013904223) >>> 0;
  let y = (Math.imul(b, 1664525) + 1013904223) >>> 0;
  let z = (Math.imul(c, 1664525) + 1013904223) >>> 0;
  let w = (Math.imul(d, 1664525) + 1013904223) >>> 0;
  for (let round = 0; round < 2; round++) {
    x = (x + Math.imul(y, w)) >>> 0;
    y = (y + Math.imul(z, x)) >>> 0;
    z = (z + Math.imul(x, y)) >>> 0;
    w = (w + Math.imul(y, z)) >>> 0;
    if (round === 0) {
      x = (x ^ (x >>> 16)) >>> 0;
      y = (y ^ (y >>> 16)) >>> 0;
      z = (z ^ (z >>> 16)) >>> 0;
      w = (w ^ (w >>> 16)) >>> 0;
    }
  }
  return [x, y, z, w];
}

/** Uniform in [0, 1) with 24 random bits, the same number the GPU draws: component index % 4 of the hash of quad index / 4. */
export function rand01(seed: number, stream: number, counter: number, index: number): number {
  const h = pcg4d((index >>> 2) >>> 0, counter >>> 0, stream >>> 0, seed >>> 0);
  return (h[index & 3] >>> 8) / 16777216;
}
