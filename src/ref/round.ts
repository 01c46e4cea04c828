// The integer grid of a quantizer and rounding onto it, shared by the float64 references and
// src/quant (which re-exports them from quant/types): round half to even, as QuantizeLinear does.

/** Integer grid of a b-bit quantizer: unsigned asymmetric [0, 2^b−1] or signed symmetric [−2^(b−1), 2^(b−1)−1]. */
export interface QRange {
  bits: number;
  signed: boolean;
  qmin: number;
  qmax: number;
}

export function qrange(bits: number, signed: boolean): QRange {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new Error(`bits must be 2..8, got ${bits}`);
  return signed ? { bits, signed, qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1 } : { bits, signed, qmin: 0, qmax: 2 ** bits - 1 };
}

/** x rounded to the nearest integer, ties to the even one (QuantizeLinear's rounding). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
