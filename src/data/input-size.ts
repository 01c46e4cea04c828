// The image size of a model whose input height or width is symbolic ([N, 3, H, W]): parsing a
// size ("1x3x320x320", "3x320x320", "320"), checking it against the model, and the preset for it.
import { StudioError } from '../engine/errors';
import { checkPresetFits, PRESETS, presetForInputShape, type Preset } from './presets';

export interface InputShape {
  /** The batch size, when given (4 dimensions). */
  batch?: number;
  /** Absent when only H×W was given (the studio's size field). */
  channels?: number;
  height: number;
  width: number;
}

type Shape = (number | string)[];

const MAX_SIDE = 8192;

/**
 * "1x3x320x320" (N×C×H×W), "3x320x320" (C×H×W), "320x240" (H×W) or "320" (square); "x", "×",
 * "," or spaces between the numbers. Throws an Error saying what is wrong.
 */
export function parseInputShape(s: string): InputShape {
  const parts = s.trim().split(/\s*[x×*,]\s*|\s+/i).filter(Boolean);
  const dims = parts.map(Number);
  if (!parts.length || parts.length > 4 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`"${s}" is not an input shape; write N×C×H×W or C×H×W with whole numbers, e.g. 1x3x224x224 or 3x224x224`);
  }
  const [height, width] = dims.length === 1 ? [dims[0], dims[0]] : dims.slice(-2);
  if (height > MAX_SIDE || width > MAX_SIDE) throw new Error(`"${s}": an image side above ${MAX_SIDE} pixels is not supported`);
  if (dims.length >= 3 && dims[dims.length - 3] !== 1 && dims[dims.length - 3] !== 3) {
    throw new Error(`"${s}": images have 1 or 3 channels, not ${dims[dims.length - 3]}`);
  }
  return {
    batch: dims.length === 4 ? dims[0] : undefined,
    channels: dims.length >= 3 ? dims[dims.length - 3] : undefined,
    height,
    width,
  };
}

/** An [N, C, H, W] input whose height or width is not a number (symbolic or unknown). */
export function hasDynamicSize(shape: Shape): boolean {
  return shape.length === 4 && (typeof shape[2] !== 'number' || typeof shape[3] !== 'number');
}

/** The preset a dynamic-size input starts from: ImageNet for color (or unknown channels), MNIST for gray. */
export function dynamicSizePreset(shape: Shape): Preset {
  return shape[1] === 1 ? PRESETS.mnist : PRESETS.imagenet;
}

/**
 * The preset `p` at another size: the same statistics and the same resize-to-crop ratio (ImageNet
 * at 320×320 resizes to 366 and crops 320); `p` itself when the size is already its own.
 */
export function sizedPreset(p: Preset, height: number, width: number): Preset {
  if (p.height === height && p.width === width) return p;
  const resize = Math.round((Math.max(height, width) * p.resize) / p.height);
  const name = p.label.replace(/\s*\(.*\)$/, '');
  const crop = resize === Math.max(height, width) ? `resize to ${width}×${height}` : `resize ${resize}, crop ${width}×${height}`;
  return { ...p, id: 'custom', label: `${name} (${crop}, ${p.channels === 1 ? 'gray' : 'RGB'})`, height, width, resize };
}

/** "1x3x224x224": the model's input with its symbolic dimensions filled from the preset (batch 1). */
export function exampleShape(shape: Shape, p: Preset): string {
  const n = typeof shape[0] === 'number' ? shape[0] : 1;
  return [n, p.channels, p.height, p.width].join('x');
}

/** The error for a dynamic-size input without a size: `how` says where to give one. */
export function needSizeError(shape: Shape, inputName: string, how: (example: string) => string, preset?: Preset): StudioError {
  const p = preset ?? dynamicSizePreset(shape);
  return new StudioError(
    'unresolved-shape',
    `the model's input "${inputName}" is [${shape.join(', ')}]: its height and width are not fixed, so the image size must be given; ${how(exampleShape(shape, p))} (the ${p.id === 'custom' ? '' : `${p.id} `}preset's size)`,
  );
}

export interface ResolvedPreset {
  preset: Preset;
  /** True when no preset was named (it was chosen from the input shape). */
  guessed: boolean;
}

/**
 * The preprocessing for a model input: the named preset or one guessed from the shape (ImageNet,
 * or MNIST for gray, when the size is dynamic), at the given size. A dynamic-size input needs `size`; a size that contradicts a fixed dimension (or
 * the batch of a fixed-batch input) is refused.
 */
export function resolveInputPreset(shape: Shape, inputName: string, opts: { presetId?: keyof typeof PRESETS; size?: InputShape; how: (example: string) => string }): ResolvedPreset {
  const { presetId, size } = opts;
  const named = presetId ? PRESETS[presetId] : undefined;
  if (!size) {
    if (hasDynamicSize(shape)) throw needSizeError(shape, inputName, opts.how, named);
    const preset = named ?? presetForInputShape(shape);
    checkPresetFits(preset, shape, inputName);
    return { preset, guessed: !named };
  }
  if (shape.length !== 4) return { preset: presetForInputShape(shape), guessed: true }; // throws: not an image batch
  const want = [size.batch, size.channels, size.height, size.width];
  const clash = want.findIndex((d, k) => d !== undefined && typeof shape[k] === 'number' && shape[k] !== d);
  if (clash >= 0) {
    const what = ['batch size', 'channel count', 'height', 'width'][clash];
    throw new StudioError('bad-input', `the model's input "${inputName}" is [${shape.join(', ')}]: its ${what} is fixed at ${shape[clash]}, but the size given has ${want[clash]}`);
  }
  const channels = size.channels ?? (typeof shape[1] === 'number' ? shape[1] : (named?.channels ?? 3));
  // A dynamic size starts from ImageNet (or MNIST) as the studio does, at the size given
  const base = named ?? (hasDynamicSize(shape) ? dynamicSizePreset([shape[0], channels, 'H', 'W']) : presetForInputShape(shape));
  const preset = sizedPreset(base, size.height, size.width);
  if (preset.channels !== channels) {
    throw new StudioError('bad-input', `preset "${presetId}" makes ${preset.channels}-channel images but the size given has ${channels} channels`);
  }
  checkPresetFits(preset, shape, inputName);
  return { preset, guessed: !named };
}
