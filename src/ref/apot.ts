// APoT level sets (Li et al., ICLR 2020: `build_power_value` of the official quant_layer.py) in
// their integer form, and the float64 references of APoT projection and its MSE score (DESIGN.md §8).

/** Magnitude bits B the official code defines (B = 2..6); b-bit signed weights use B = b − 1. */
export const APOT_MIN_B = 2;
export const APOT_MAX_B = 6;

/**
 * The base sets a, b, c of build_power_value(B, additive = True) as exponents e (the value 2^−e);
 * every set also holds 0. B = 2: a ∈ {2⁻¹, 2⁻², 2⁻³}; B = 3: a ∈ {2⁻¹, 2⁻², 2⁻⁴}, b ∈ {2⁻³};
 * B = 4: a ∈ {2⁻¹, 2⁻³, 2⁻⁵}, b ∈ {2⁻², 2⁻⁴, 2⁻⁶}; B = 5: a ∈ {2⁻¹, 2⁻³, 2⁻⁶}, b ∈ {2⁻², 2⁻⁴,
 * 2⁻⁷}, c ∈ {2⁻⁵}; B = 6: a ∈ {2⁻¹, 2⁻⁴, 2⁻⁷}, b ∈ {2⁻², 2⁻⁵, 2⁻⁸}, c ∈ {2⁻³, 2⁻⁶, 2⁻⁹}.
 */
function baseExponents(B: number): number[][] {
  if (!(Number.isInteger(B) && B >= APOT_MIN_B && B <= APOT_MAX_B)) throw new Error(`APoT level sets exist for B = ${APOT_MIN_B}..${APOT_MAX_B} magnitude bits, got ${B}`);
  const [a, b, c]: number[][] = [[], [], []];
  // the official loops, `for i in range(3)`, with 2^−e kept as e
  for (let i = 0; i < 3; i++) {
    if (B === 2) {
      a.push(i + 1);
    } else if (B === 4) {
      a.push(2 * i + 1);
      b.push(2 * i + 2);
    } else if (B === 6) {
      a.push(3 * i + 1);
      b.push(3 * i + 2);
      c.push(3 * i + 3);
    } else if (B === 3) {
      if (i < 2) a.push(i + 1);
      else {
        b.push(i + 1);
        a.push(i + 2);
      }
    } else if (i < 2) {
      // B = 5
      a.push(2 * i + 1);
      b.push(2 * i + 2);
    } else {
      c.push(2 * i + 1);
      a.push(2 * i + 2);
      b.push(2 * i + 3);
    }
  }
  return [a, b, c];
}

/**
 * The level set of B magnitude bits in integer form: the distinct sums a + b + c times 2^k (k the
 * smallest exponent that makes them all integers), ascending, starting at 0. The largest is the
 * "max code" M: the normalised levels (largest 1) are these / M, so a weight scale α has codes
 * ±levels with step α/M (B = 3: 0 1 2 3 4 6 8 10, M = 10).
 */
export function apotLevelCodes(B: number): Int32Array {
  const sets = baseExponents(B);
  const k = Math.max(...sets.flat());
  const units = sets.map((s) => [0, ...s.map((e) => 2 ** (k - e))]);
  const sums = new Set<number>();
  for (const a of units[0]) for (const b of units[1]) for (const c of units[2]) sums.add(a + b + c);
  let codes = [...sums].sort((x, y) => x - y);
  // the common power of two left over (B = 2 uses only a: 1, 2, 4 after scaling) divides out
  while (codes.every((v) => v % 2 === 0) && codes[codes.length - 1] > 0) codes = codes.map((v) => v / 2);
  return Int32Array.from(codes);
}

/** build_power_value(B) itself: the levels normalised so that the largest is 1, ascending. */
export function apotLevels(B: number): Float64Array {
  const codes = apotLevelCodes(B);
  const m = codes[codes.length - 1];
  return Float64Array.from(codes, (c) => c / m);
}

/** Weight bits with an APoT grid: b = 3..7 (B = b − 1 magnitude bits plus the sign). */
export function apotWeightBits(bits: number): boolean {
  return Number.isInteger(bits) && bits - 1 >= APOT_MIN_B && bits - 1 <= APOT_MAX_B;
}

/** The integer level codes of b-bit signed APoT weights (B = b − 1). */
export function apotWeightCodes(bits: number): Int32Array {
  if (!apotWeightBits(bits)) throw new Error(`APoT weights need 3..7 bits (B = bits − 1 = 2..6), got ${bits}`);
  return apotLevelCodes(bits - 1);
}

/** Midpoints between neighbouring level codes: a magnitude v projects to levels[#{j: v > mids[j]}] (ties to the smaller level). */
export function apotMidpoints(levels: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: levels.length - 1 }, (_, j) => (levels[j] + levels[j + 1]) / 2);
}

/**
 * The code of x on the grid ±levels·s: v = |x|/s rounded to float32 (as the GPU divides), the nearest
 * level (ties to the smaller one; above the largest, the largest), the sign of x restored.
 */
export function apotCodeRef(x: number, s: number, levels: ArrayLike<number>): number {
  const v = Math.fround(Math.abs(x) / Math.fround(s));
  let j = 0;
  while (j < levels.length - 1 && v > (levels[j] + levels[j + 1]) / 2) j++;
  return (x < 0 ? -levels[j] : levels[j]) + 0; // + 0: no −0
}

/** Codes of a tensor with one scale per channel of a layout (channel of element i = ⌊i/inner⌋ mod channels). */
export function apotProjectRef(x: ArrayLike<number>, scales: ArrayLike<number>, inner: number, levels: ArrayLike<number>): Int32Array {
  const channels = scales.length;
  return Int32Array.from({ length: x.length }, (_, i) => apotCodeRef(x[i], scales[Math.floor(i / inner) % channels], levels));
}

/** Σ|x − code·s|^p in float64 over the values (the MSE observer's score, p = 2.4). */
export function apotScoreRef(x: ArrayLike<number>, s: number, levels: ArrayLike<number>, p = 2.4): number {
  const s32 = Math.fround(s);
  let acc = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i] - apotCodeRef(x[i], s32, levels) * s32);
    if (e > 0) acc += e ** p;
  }
  return acc;
}

/**
 * The neighbouring levels of c = W/s on the signed grid ±levels: lo ≤ c < hi, or lo = hi = ±max
 * beyond the largest level (the clamp).
 */
export function apotNeighbours(c: number, levels: ArrayLike<number>): [number, number] {
  const m = levels[levels.length - 1];
  if (c >= m) return [m, m];
  if (c <= -m) return [-m, -m];
  const a = Math.abs(c);
  let j = 0;
  while (j < levels.length - 1 && levels[j + 1] <= a) j++;
  // levels[j] ≤ |c| < levels[j + 1]
  if (c >= 0) return [levels[j], levels[j + 1]];
  return a === levels[j] ? [-levels[j], levels[j] === 0 ? levels[1] : -levels[j - 1]] : [-levels[j + 1], -levels[j]];
}
