// Float64 reference of fake quantization with ONNX QuantizeLinear rounding (half to even),
// computed as float32 does: x/s rounded to float32 first, the product (q − z)·s rounded to float32
// (or, with p.codes, the integer q − z).
import { roundHalfEven } from './round';
import type { FakeQuantParams } from '../gpu/kernels/fake-quant';

export function fakeQuantRef(x: ArrayLike<number>, shape: number[], p: FakeQuantParams): Float64Array {
  const channels = p.scales.length;
  const inner = channels > 1 ? shape.slice((p.axis ?? 0) + 1).reduce((a, b) => a * b, 1) : 1;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const s = Math.fround(p.scales[c]);
    const z = p.zeroPoints[c];
    const q = Math.min(Math.max(roundHalfEven(Math.fround(x[i] / s)) + z, p.qmin), p.qmax);
    y[i] = p.codes ? q - z : Math.fround((q - z) * s);
  }
  return y;
}
