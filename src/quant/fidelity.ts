// How close a quantized model's outputs are to the float model's, per output and without labels:
// SQNR (dB), cosine similarity, max abs error, and arg-max agreement for class scores.
import type { HostTensor } from '../engine/types';

export interface OutputFidelity {
  name: string;
  /** The output's shape in the last batch seen. */
  shape: number[];
  images: number;
  /** 10·log10(Σx² / Σ(x − q)²) over every element seen; Infinity when identical (null in JSON). */
  sqnrDb: number;
  /** Σx·q / √(Σx²·Σq²) over every element seen (1 when both are all zero). */
  cosine: number;
  maxAbsError: number;
  /** Classifier logits [N, K]: fraction of images whose arg-max class is the same in both; else null. */
  top1Agreement: number | null;
  /** Dense class scores [N, C, H, W] (C > 1, e.g. segmentation): fraction of pixels with the same arg-max class; else null. */
  pixelAgreement: number | null;
}

interface Sums {
  shape: number[];
  images: number;
  xx: number;
  qq: number;
  xq: number;
  ee: number;
  maxAbs: number;
  agree: number;
  compared: number;
}

/** 10·log10(signal / noise) in dB: Infinity without noise, −Infinity without signal. */
export function sqnrDb(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Class scores: [N, K], or [N, K, 1, 1] as Caffe-era nets (the zoo's light SqueezeNet) end in a 1×1 map. */
export const isClassifier = (shape: readonly (number | string)[]): boolean =>
  typeof shape[1] === 'number' && shape[1] > 1 && (shape.length === 2 || (shape.length === 4 && shape[2] === 1 && shape[3] === 1));
/** A dense prediction: [N, C, H, W] with C > 1 and more than one position. */
export const isDense = (shape: readonly (number | string)[]): boolean => shape.length === 4 && typeof shape[1] === 'number' && shape[1] > 1 && !isClassifier(shape);

/** Arg-max over axis 1 of an [n, c, inner] block for each (n, inner) position. */
export function argmaxAxis1(data: ArrayLike<number>, n: number, c: number, inner: number): Int32Array {
  const out = new Int32Array(n * inner);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const base = b * c * inner + i;
      let best = 0;
      for (let k = 1; k < c; k++) if (data[base + k * inner] > data[base + best * inner]) best = k;
      out[b * inner + i] = best;
    }
  }
  return out;
}

/** Streams batches of float and quantized outputs and reports each output's fidelity. */
export class FidelityAccumulator {
  private sums = new Map<string, Sums>();

  /** One batch: only the first `n` images (rows) count; rows past them are padding of a fixed batch. */
  add(float: Record<string, HostTensor>, quant: Record<string, HostTensor>, n: number): void {
    for (const [name, x] of Object.entries(float)) {
      const q = quant[name];
      if (!q || q.data.length !== x.data.length) throw new Error(`fidelity: output "${name}" has ${q?.data.length ?? 0} quantized values for ${x.data.length} float values`);
      const rows = Math.max(1, x.shape[0] ?? 1);
      const used = Math.min(n, rows);
      const len = (x.data.length / rows) * used;
      let s = this.sums.get(name);
      if (!s) this.sums.set(name, (s = { shape: x.shape, images: 0, xx: 0, qq: 0, xq: 0, ee: 0, maxAbs: 0, agree: 0, compared: 0 }));
      s.shape = x.shape;
      s.images += used;
      const xd = x.data;
      const qd = q.data;
      for (let i = 0; i < len; i++) {
        const a = xd[i];
        const b = qd[i];
        const e = a - b;
        s.xx += a * a;
        s.qq += b * b;
        s.xq += a * b;
        s.ee += e * e;
        const abs = Math.abs(e);
        if (abs > s.maxAbs || Number.isNaN(abs)) s.maxAbs = abs;
      }
      if (isClassifier(x.shape) || isDense(x.shape)) {
        const c = x.shape[1];
        const inner = x.shape.slice(2).reduce((p, d) => p * d, 1);
        const fa = argmaxAxis1(xd, used, c, inner);
        const qa = argmaxAxis1(qd, used, c, inner);
        for (let i = 0; i < fa.length; i++) if (fa[i] === qa[i]) s.agree++;
        s.compared += fa.length;
      }
    }
  }

  result(): OutputFidelity[] {
    return [...this.sums.entries()].map(([name, s]) => {
      const rate = s.compared ? s.agree / s.compared : null;
      const denom = Math.sqrt(s.xx * s.qq);
      return {
        name,
        shape: s.shape,
        images: s.images,
        sqnrDb: sqnrDb(s.xx, s.ee),
        cosine: denom > 0 ? s.xq / denom : s.xx === s.qq ? 1 : 0,
        maxAbsError: s.maxAbs,
        top1Agreement: isClassifier(s.shape) ? rate : null,
        pixelAgreement: isDense(s.shape) ? rate : null,
      };
    });
  }
}

/** Fidelity of one pair of output sets (every row counts). */
export function fidelityOf(float: Record<string, HostTensor>, quant: Record<string, HostTensor>): OutputFidelity[] {
  const acc = new FidelityAccumulator();
  const n = Math.max(1, Object.values(float)[0]?.shape[0] ?? 1);
  acc.add(float, quant, n);
  return acc.result();
}

/** One line per output: "cls_logits [N,3234,91]: SQNR 31.2 dB, cosine 0.99962, max |error| 0.41". */
export function formatFidelity(f: OutputFidelity): string {
  const db = Number.isFinite(f.sqnrDb) ? `${f.sqnrDb.toFixed(2)} dB` : f.sqnrDb > 0 ? '∞ (identical)' : '−∞';
  const parts = [`SQNR ${db}`, `cosine ${f.cosine.toFixed(6)}`, `max |error| ${f.maxAbsError.toPrecision(4)}`];
  if (f.top1Agreement !== null) parts.push(`top-1 agreement ${(100 * f.top1Agreement).toFixed(2)} %`);
  if (f.pixelAgreement !== null) parts.push(`pixel class agreement ${(100 * f.pixelAgreement).toFixed(2)} %`);
  return `${f.name} [${f.shape.map((d, i) => (i === 0 ? 'N' : d)).join(', ')}]: ${parts.join(', ')}`;
}

/** Per output name, for --json (Infinity becomes null there). */
export function fidelityJson(fs: OutputFidelity[]): Record<string, Omit<OutputFidelity, 'name'>> {
  return Object.fromEntries(fs.map(({ name, ...rest }) => [name, rest]));
}
