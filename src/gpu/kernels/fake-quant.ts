// Typed wrapper over shaders/fake-quant.wgsl: per-tensor or per-channel fake quantization, rounded
// exactly as ONNX QuantizeLinear rounds (half to even of the float32 quotient x / s).
import { type Dispatch, type Gpu, type GpuTensor } from '../gpu';
import { elementGrid } from '../elements';

export interface FakeQuantParams {
  /** One scale and zero point per channel (length 1 for per tensor). */
  scales: ArrayLike<number>;
  zeroPoints: ArrayLike<number>;
  qmin: number;
  qmax: number;
  /** Axis of the channels in x.shape (ignored for one channel). */
  axis?: number;
  /** Output the integer codes q − z (as floats, exact) instead of their dequantization (q − z)·s. */
  codes?: boolean;
  /** Tests only: move the adapter's quotient x / s by this many ulps before rounding (see the shader). */
  qdivUlps?: number;
}

/** y = fq(x), or (codes) the integer q − z. The parameters are uploaded once here; the Dispatch is re-run unchanged. */
export function fakeQuant(gpu: Gpu, x: GpuTensor, y: GpuTensor, p: FakeQuantParams, label = 'FakeQuant'): Dispatch {
  const n = x.shape.reduce((a, b) => a * b, 1);
  const channels = p.scales.length;
  const axis = p.axis ?? 0;
  if (channels > 1 && x.shape[axis] !== channels) throw new Error(`${label}: ${channels} channel parameters for axis ${axis} of [${x.shape}]`);
  const inner = channels > 1 ? x.shape.slice(axis + 1).reduce((a, b) => a * b, 1) : 1;
  const params = new Float32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    params[2 * c] = p.scales[c];
    params[2 * c + 1] = p.zeroPoints[c];
  }
  const pbuf = gpu.tensor(`${label}.params`, [2 * channels], params).buffer;
  const u = gpu.uniform(label, [n, inner, channels, p.codes ? 1 : 0], [p.qmin, p.qmax]);
  return gpu.dispatch('fake-quant', [x.buffer, y.buffer, pbuf, u], elementGrid(gpu, n, 64), p.qdivUlps ? { QDIV_ULPS: p.qdivUlps } : {}, label);
}
