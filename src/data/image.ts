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

/** One float plane per channel, row-major. */
interface Planes {
  width: number;
  height: number;
  planes: Float64Array[];
}

/** The image as a CHW float32 array of the preset's size, ready for the model. */
export function preprocess(img: RawImage, p: Preset): Float32Array {
  if (img.data.length !== img.width * img.height * 4 || img.width < 1 || img.height < 1) {
    throw new StudioError('bad-image', `image data is ${img.data.length} bytes, not ${img.width}×${img.height} RGBA`);
  }
  let src = channelPlanes(img, p);
  const short = Math.min(src.width, src.height);
  // Resize only when the shorter side is not already right: same-size images stay bit-exact.
  if (short !== p.resize && !(src.width === p.width && src.height === p.height)) {
    const long = Math.floor((p.resize * Math.max(src.width, src.height)) / short);
    const [w, h] = src.width <= src.height ? [p.resize, long] : [long, p.resize];
    src = resizeBilinear(src, w, h);
  }
  return normalize(centerCrop(src, p.width, p.height), p);
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

/** RGB (or BGR) planes, or one ITU-R 601 luma plane for gray presets; alpha is ignored. */
function channelPlanes(img: RawImage, p: Preset): Planes {
  const n = img.width * img.height;
  const d = img.data;
  if (p.channels === 1) {
    const y = new Float64Array(n);
    // Integer weights then one division: a gray pixel (r = g = b) maps exactly to itself.
    for (let i = 0; i < n; i++) y[i] = (299 * d[4 * i] + 587 * d[4 * i + 1] + 114 * d[4 * i + 2]) / 1000;
    return { width: img.width, height: img.height, planes: [y] };
  }
  const rgb = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    rgb[0][i] = d[4 * i];
    rgb[1][i] = d[4 * i + 1];
    rgb[2][i] = d[4 * i + 2];
  }
  if (p.channelOrder === 'BGR') rgb.reverse();
  return { width: img.width, height: img.height, planes: rgb };
}

/**
 * PIL's BILINEAR resize: a triangle filter whose support widens by the scale factor when
 * shrinking (antialiasing); horizontal pass, then vertical, each rounded to 8 bits as PIL does.
 */
export function resizeBilinear(src: { width: number; height: number; planes: Float64Array[] }, width: number, height: number): Planes {
  const hw = filterWeights(src.width, width);
  const vw = filterWeights(src.height, height);
  const planes = src.planes.map((plane) => {
    const tmp = new Float64Array(width * src.height);
    for (let y = 0; y < src.height; y++) {
      for (let x = 0; x < width; x++) {
        const { start, w } = hw[x];
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * plane[y * src.width + start + k];
        tmp[y * width + x] = clamp8(s);
      }
    }
    const out = new Float64Array(width * height);
    for (let y = 0; y < height; y++) {
      const { start, w } = vw[y];
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * tmp[(start + k) * width + x];
        out[y * width + x] = clamp8(s);
      }
    }
    return out;
  });
  return { width, height, planes };
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

/** torchvision CenterCrop: offsets round((in − out)/2) half-to-even; outside pixels are 0. */
function centerCrop(src: Planes, width: number, height: number): Planes {
  if (src.width === width && src.height === height) return src;
  const top = roundHalfEven((src.height - height) / 2);
  const left = roundHalfEven((src.width - width) / 2);
  const planes = src.planes.map((plane) => {
    const out = new Float64Array(width * height);
    for (let y = 0; y < height; y++) {
      const sy = y + top;
      if (sy < 0 || sy >= src.height) continue;
      for (let x = 0; x < width; x++) {
        const sx = x + left;
        if (sx >= 0 && sx < src.width) out[y * width + x] = plane[sy * src.width + sx];
      }
    }
    return out;
  });
  return { width, height, planes };
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** ToTensor then Normalize with float32 rounding at each step, as PyTorch computes them. */
function normalize(src: Planes, p: Preset): Float32Array {
  const fr = Math.fround;
  const n = src.width * src.height;
  const out = new Float32Array(p.channels * n);
  const inv = 1 / p.scale;
  const divisor = Math.abs(inv - Math.round(inv)) < 1e-9 ? Math.round(inv) : 0;
  src.planes.forEach((plane, c) => {
    const mean = fr(p.mean[c] ?? p.mean[0]);
    const std = fr(p.std[c] ?? p.std[0]);
    for (let i = 0; i < n; i++) {
      const x = fr(divisor ? plane[i] / divisor : plane[i] * p.scale);
      out[c * n + i] = fr(x - mean) / std;
    }
  });
  return out;
}
