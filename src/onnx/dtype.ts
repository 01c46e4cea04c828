// ONNX element types: names, byte sizes, and conversion between tensor bytes and JS numbers.
import type { Tensor } from '../graph/ir';
import { isMiniFloat, MINIFLOATS, miniFloatCode, miniFloatValue } from './minifloat';

export const DT = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22, FLOAT4E2M1: 23, UINT2: 25, INT2: 26,
} as const;

const NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64',
  15: 'complex128', 16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2',
  20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1', 24: 'float8e8m0', 25: 'uint2', 26: 'int2',
};

export function dtypeName(dt: number): string {
  return NAMES[dt] ?? `type ${dt}`;
}

/** Bytes per element, or 0 for packed sub-byte types and strings. */
export function dtypeBytes(dt: number): number {
  switch (dt) {
    case DT.FLOAT: case DT.INT32: case DT.UINT32: return 4;
    case DT.UINT8: case DT.INT8: case DT.BOOL: case 17: case 18: case 19: case 20: case 24: return 1;
    case DT.UINT16: case DT.INT16: case DT.FLOAT16: case DT.BFLOAT16: return 2;
    case DT.INT64: case DT.UINT64: case DT.DOUBLE: case 14: return 8;
    case 15: return 16;
    default: return 0;
  }
}

export function isFloatType(dt: number): boolean {
  return dt === DT.FLOAT || dt === DT.FLOAT16 || dt === DT.DOUBLE || dt === DT.BFLOAT16;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Element values as float64 (int64 beyond 2^53 loses precision, as JS numbers do). */
export function tensorValues(t: Tensor): Float64Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const dv = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  const need = dtypeBytes(t.dataType) * n;
  if (dtypeBytes(t.dataType) && t.raw.byteLength !== need) {
    throw new Error(`tensor "${t.name}" has ${t.raw.byteLength} bytes of data, ${need} expected for ${dtypeName(t.dataType)}[${t.dims.join(',')}]`);
  }
  for (let i = 0; i < n; i++) {
    switch (t.dataType) {
      case DT.FLOAT: out[i] = dv.getFloat32(i * 4, true); break;
      case DT.DOUBLE: out[i] = dv.getFloat64(i * 8, true); break;
      case DT.INT32: out[i] = dv.getInt32(i * 4, true); break;
      case DT.UINT32: out[i] = dv.getUint32(i * 4, true); break;
      case DT.INT64: out[i] = Number(dv.getBigInt64(i * 8, true)); break;
      case DT.UINT64: out[i] = Number(dv.getBigUint64(i * 8, true)); break;
      case DT.INT16: out[i] = dv.getInt16(i * 2, true); break;
      case DT.UINT16: out[i] = dv.getUint16(i * 2, true); break;
      case DT.INT8: out[i] = dv.getInt8(i); break;
      case DT.UINT8: case DT.BOOL: out[i] = dv.getUint8(i); break;
      case DT.FLOAT16: out[i] = f16ToF32(dv.getUint16(i * 2, true)); break;
      case DT.BFLOAT16: out[i] = new Float32Array(new Uint32Array([dv.getUint16(i * 2, true) << 16]).buffer)[0]; break;
      case DT.INT4: case DT.UINT4: {
        const byte = dv.getUint8(i >> 1);
        const nib = i & 1 ? byte >> 4 : byte & 15;
        out[i] = t.dataType === DT.INT4 && nib > 7 ? nib - 16 : nib;
        break;
      }
      case DT.INT2: case DT.UINT2: {
        const crumb = (dv.getUint8(i >> 2) >> ((i & 3) * 2)) & 3;
        out[i] = t.dataType === DT.INT2 && crumb > 1 ? crumb - 4 : crumb;
        break;
      }
      // float8 and float4 codes (float4 packed two a byte, low nibble first): the values they stand for
      case DT.FLOAT8E4M3FN: case DT.FLOAT8E4M3FNUZ: case DT.FLOAT8E5M2: case DT.FLOAT8E5M2FNUZ:
        out[i] = miniFloatValue(dv.getUint8(i), MINIFLOATS[t.dataType]);
        break;
      case DT.FLOAT4E2M1: out[i] = miniFloatValue((dv.getUint8(i >> 1) >> ((i & 1) * 4)) & 15, MINIFLOATS[t.dataType]); break;
      default: throw new Error(`tensor "${t.name}": ${dtypeName(t.dataType)} values are not supported`);
    }
  }
  return out;
}

/** Float32 values: a view into the bytes when aligned, a converted copy otherwise. */
export function tensorFloat32(t: Tensor): Float32Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.dataType === DT.FLOAT) {
    // A view of fewer or more bytes than the shape says would read past the tensor (the file's next bytes).
    if (t.raw.byteLength !== n * 4) throw new Error(`tensor "${t.name}" has ${t.raw.byteLength} bytes of data, ${n * 4} expected for float32[${t.dims.join(',')}]`);
    if (t.raw.byteOffset % 4 === 0) return new Float32Array(t.raw.buffer, t.raw.byteOffset, n);
    return new Float32Array(t.raw.slice(0, n * 4).buffer);
  }
  return Float32Array.from(tensorValues(t));
}

/** Encode JS numbers as a tensor of the given element type. */
export function makeTensor(name: string, dataType: number, dims: number[], values: ArrayLike<number>): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`tensor "${name}": ${values.length} values for shape [${dims.join(',')}]`);
  const size = dtypeBytes(dataType);
  const isNibble = dataType === DT.INT4 || dataType === DT.UINT4 || dataType === DT.FLOAT4E2M1;
  if (!size && !isNibble) throw new Error(`tensor "${name}": cannot encode ${dtypeName(dataType)}`);
  const raw = new Uint8Array(isNibble ? Math.ceil(n / 2) : n * size);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (dataType) {
      case DT.FLOAT: dv.setFloat32(i * 4, v, true); break;
      case DT.DOUBLE: dv.setFloat64(i * 8, v, true); break;
      case DT.INT32: dv.setInt32(i * 4, v, true); break;
      case DT.UINT32: dv.setUint32(i * 4, v, true); break;
      case DT.INT64: dv.setBigInt64(i * 8, toI64(v), true); break;
      case DT.UINT64: dv.setBigUint64(i * 8, BigInt(Math.trunc(Math.max(0, v))), true); break;
      case DT.INT16: dv.setInt16(i * 2, v, true); break;
      case DT.UINT16: dv.setUint16(i * 2, v, true); break;
      case DT.INT8: dv.setInt8(i, v); break;
      case DT.UINT8: dv.setUint8(i, v); break;
      case DT.BOOL: dv.setUint8(i, v ? 1 : 0); break;
      case DT.INT4: case DT.UINT4: raw[i >> 1] |= (v & 15) << ((i & 1) * 4); break;
      case DT.FLOAT4E2M1: raw[i >> 1] |= miniFloatCode(v, MINIFLOATS[dataType]) << ((i & 1) * 4); break;
      case DT.FLOAT16: dv.setUint16(i * 2, f32ToF16(v), true); break;
      default:
        // float8 formats take the values their codes stand for (exact ones: a value between codes throws)
        if (isMiniFloat(dataType)) raw[i] = miniFloatCode(v, MINIFLOATS[dataType]);
        else raw[i] = v;
    }
  }
  return { name, dataType, dims: [...dims], raw };
}

/** int64 with saturation: 2^63 (INT64_MAX as a JS number) must not wrap to INT64_MIN. */
function toI64(v: number): bigint {
  if (v >= 2 ** 63) return 9223372036854775807n;
  if (v <= -(2 ** 63)) return -9223372036854775808n;
  return BigInt(Math.trunc(v));
}

function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >> 16) & 0x8000;
  const e = ((x >> 23) & 0xff) - 127 + 15;
  const m = x & 0x7fffff;
  if (e >= 31) return sign | 0x7c00 | (((x >> 23) & 0xff) === 0xff && m ? 0x200 : 0);
  if (e <= 0) return e < -10 ? sign : sign | ((m | 0x800000) >> (14 - e));
  return sign | (e << 10) | (m >> 13);
}
