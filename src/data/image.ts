// Image preprocessing as torchvision does it: Resize(shorter side) with an antialiased bilinear
// filter (PIL's), CenterCrop, ToTensor (/255) and Normalize, computed in float32 like PyTorch.
import { StudioError } from '../engine/errors';
import type { Preset } from './presets';

/** A decoded image: 8-bit RGBA, row-major (the layout of ImageData). */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Interleaved pixels: `channels` values per pixel, row-major (RGBA bytes, or one luma value). */
export interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
}

/** The image as a CHW float32 array of the preset's size, ready for the model. */
export function preprocess(img: RawImage, p: Preset): Float32Array {
  if (img.data.length !== img.width * img.height * 4 || img.width < 1 || img.height < 1) {
    throw new StudioError('bad-image', `image data is ${img.data.length} bytes, not ${img.width}×${img.height} RGBA`);
  }
  let src: Pixels = p.channels === 1 ? luma(img) : { width: img.width, height: img.height, channels: 4, data: img.data };
  const short = Math.min(src.width, src.height);
  // Resize only when the shorter side is not already right: same-size images stay bit-exact.
  if (short !== p.resize && !(src.width === p.width && src.height === p.height)) {
    const long = Math.floor((p.resize * Math.max(src.width, src.height)) / short);
    const [w, h] = src.width <= src.height ? [p.resize, long] : [long, p.resize];
    src = resizeBilinear(src, w, h);
  }
  return cropAndNormalize(src, p);
}

/** Stack CHW images into one NCHW batch. */
export function batchImages(chws: Float32Array[], p: Preset): { data: Float32Array; shape: number[] } {
  const size = p.channels * p.height * p.width;
  const data = new Float32Array(chws.length * size);
  chws.forEach((x, i) => {
    if (x.length !== size) throw new Error(`batchImages: image ${i} has ${x.length} values, expected ${size}`);
    data.set(x, i * size);
  });
  return { data, shape: [chws.length, p.channels, p.height, p.width] };
}

/** ITU-R 601 luma, one value per pixel; alpha is ignored. */
function luma(img: RawImage): Pixels {
  const n = img.width * img.height;
  const d = img.data;
  const y = new Float64Array(n);
  // Integer weights then one division: a gray pixel (r = g = b) maps exactly to itself.
  for (let i = 0; i < n; i++) y[i] = (299 * d[4 * i] + 587 * d[4 * i + 1] + 114 * d[4 * i + 2]) / 1000;
  return { width: img.width, height: img.height, channels: 1, data: y };
}

/**
 * PIL's BILINEAR resize: a triangle filter whose support widens by the scale factor when
 * shrinking (antialiasing); horizontal pass, then vertical, each rounded to 8 bits as PIL does.
 */
export function resizeBilinear(src: Pixels, width: number, height: number): Pixels {
  const ch = src.channels;
  const hw = filterWeights(src.width, width);
  const vw = filterWeights(src.height, height);
  const tmp = new Float32Array(width * src.height * ch);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, w } = hw[x];
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * src.data[(y * src.width + start + k) * ch + c];
        tmp[(y * width + x) * ch + c] = clamp8(s);
      }
    }
  }
  const out = new Float32Array(width * height * ch);
  for (let y = 0; y < height; y++) {
    const { start, w } = vw[y];
    for (let i = 0; i < width * ch; i++) {
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k] * tmp[(start + k) * width * ch + i];
      out[y * width * ch + i] = clamp8(s);
    }
  }
  return { width, height, channels: ch, data: out };
}

function clamp8(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

/** Normalized triangle-filter taps for each output pixel (Pillow's precompute_coeffs). */
function filterWeights(inSize: number, outSize: number): { start: number; w: Float64Array }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter has support 1
  const taps = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const w = new Float64Array(end - start);
    let sum = 0;
    for (let k = 0; k < w.length; k++) {
      w[k] = Math.max(0, 1 - Math.abs((k + start - center + 0.5) / filterScale));
      sum += w[k];
    }
    if (sum > 0) for (let k = 0; k < w.length; k++) w[k] /= sum;
    taps.push({ start, w });
  }
  return taps;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * torchvision CenterCrop (offsets round((in − out)/2) half-to-even, outside pixels 0), the
 * channel order, then ToTensor and Normalize with float32 rounding at each step, as PyTorch.
 */
function cropAndNormalize(src: Pixels, p: Preset): Float32Array {
  const fr = Math.fround;
  const { width, height } = p;
  const top = roundHalfEven((src.height - height) / 2);
  const left = roundHalfEven((src.width - width) / 2);
  const out = new Float32Array(p.channels * width * height);
  const inv = 1 / p.scale;
  const divisor = Math.abs(inv - Math.round(inv)) < 1e-9 ? Math.round(inv) : 0;
  for (let c = 0; c < p.channels; c++) {
    const sc = p.channels === 1 ? 0 : p.channelOrder === 'BGR' ? 2 - c : c;
    const mean = fr(p.mean[c] ?? p.mean[0]);
    const std = fr(p.std[c] ?? p.std[0]);
    for (let y = 0; y < height; y++) {
      const sy = y + top;
      for (let x = 0; x < width; x++) {
        const sx = x + left;
        const inside = sy >= 0 && sy < src.height && sx >= 0 && sx < src.width;
        const v = inside ? src.data[(sy * src.width + sx) * src.channels + sc] : 0;
        const t = fr(divisor ? v / divisor : v * p.scale);
        out[(c * height + y) * width + x] = fr(t - mean) / std;
      }
    }
  }
  return out;
}
