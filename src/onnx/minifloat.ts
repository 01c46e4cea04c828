// ONNX's small float element types (float8e4m3fn, float8e4m3fnuz, float8e5m2, float8e5m2fnuz,
// float4e2m1): their parameters, and exact conversion between a code's bits and the value it stands for.

/** A sign bit, `exp` exponent bits and `man` mantissa bits; how the top codes are spent differs. */
export interface MiniFloat {
  name: string;
  exp: number;
  man: number;
  bias: number;
  /** Largest finite value. */
  max: number;
  /**
   * 'ieee': the top exponent holds ±∞ and NaNs (e5m2); 'fn': only S.1111.111 is NaN, no ∞ (e4m3fn);
   * 'fnuz': 0x80 is the one NaN, no ∞ and no −0; 'finite': no ∞, no NaN (float4e2m1).
   */
  special: 'ieee' | 'fn' | 'fnuz' | 'finite';
}

export const MINIFLOATS: Record<number, MiniFloat> = {
  17: { name: 'float8e4m3fn', exp: 4, man: 3, bias: 7, max: 448, special: 'fn' },
  18: { name: 'float8e4m3fnuz', exp: 4, man: 3, bias: 8, max: 240, special: 'fnuz' },
  19: { name: 'float8e5m2', exp: 5, man: 2, bias: 15, max: 57344, special: 'ieee' },
  20: { name: 'float8e5m2fnuz', exp: 5, man: 2, bias: 16, max: 57344, special: 'fnuz' },
  23: { name: 'float4e2m1', exp: 2, man: 1, bias: 1, max: 6, special: 'finite' },
};

export const isMiniFloat = (dt: number): boolean => Object.hasOwn(MINIFLOATS, dt);

/** The value a code stands for (NaN for NaN codes); every one is exact in float32. */
export function miniFloatValue(code: number, f: MiniFloat): number {
  const bits = 1 + f.exp + f.man;
  const sign = (code >> (bits - 1)) & 1;
  const e = (code >> f.man) & ((1 << f.exp) - 1);
  const m = code & ((1 << f.man) - 1);
  const topE = (1 << f.exp) - 1;
  if (f.special === 'fnuz' && sign === 1 && e === 0 && m === 0) return NaN;
  if (f.special === 'fn' && e === topE && m === (1 << f.man) - 1) return NaN;
  if (f.special === 'ieee' && e === topE) return m ? NaN : sign ? -Infinity : Infinity;
  const mag = e === 0 ? m * 2 ** (1 - f.bias - f.man) : (1 + m / 2 ** f.man) * 2 ** (e - f.bias);
  return sign ? -mag : mag;
}

const codeTables = new Map<MiniFloat, Map<number, number>>();

/** The code of a value the format holds exactly (±0 and NaN included); throws for any other value. */
export function miniFloatCode(v: number, f: MiniFloat): number {
  const bits = 1 + f.exp + f.man;
  const signBit = 1 << (bits - 1);
  if (Number.isNaN(v)) {
    if (f.special === 'finite') throw new Error(`${f.name} has no NaN`);
    return f.special === 'fnuz' ? signBit : signBit - 1; // 0x80, or S.1…1 (e4m3fn's only NaN, one of e5m2's)
  }
  if (v === 0) return Object.is(v, -0) && f.special !== 'fnuz' ? signBit : 0;
  let table = codeTables.get(f);
  if (!table) {
    table = new Map();
    for (let c = 0; c < 2 ** bits; c++) {
      const x = miniFloatValue(c, f);
      if (!Number.isNaN(x) && x !== 0) table.set(x, c);
    }
    codeTables.set(f, table);
  }
  const code = table.get(v);
  if (code === undefined) throw new Error(`${v} is not a ${f.name} value`);
  return code;
}
