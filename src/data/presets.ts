// Preprocessing presets: input size, resize-then-crop, scaling, normalization and class names
// for the datasets the studio knows, plus a guess from a model's [N,C,H,W] input shape.
import { StudioError } from '../engine/errors';

export type PresetId = 'cifar10' | 'imagenet' | 'mnist' | 'custom';

export interface Preset {
  id: PresetId;
  label: string;
  channels: 1 | 3;
  height: number;
  width: number;
  /** Shorter side before the center crop; equal to `height` for no resize-then-crop. */
  resize: number;
  /** Multiplies the 0..255 pixel value, usually 1/255. */
  scale: number;
  mean: number[];
  std: number[];
  channelOrder: 'RGB' | 'BGR';
  classes?: string[];
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

export const PRESETS: Record<Exclude<PresetId, 'custom'>, Preset> = {
  // How ../shared/models/resnet20_cifar10.onnx was trained: RGB/255, ImageNet mean and std.
  cifar10: {
    id: 'cifar10',
    label: 'CIFAR-10 (32×32 RGB)',
    channels: 3,
    height: 32,
    width: 32,
    resize: 32,
    scale: 1 / 255,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    channelOrder: 'RGB',
    classes: CIFAR10_CLASSES,
  },
  imagenet: {
    id: 'imagenet',
    label: 'ImageNet (resize 256, crop 224, RGB)',
    channels: 3,
    height: 224,
    width: 224,
    resize: 256,
    scale: 1 / 255,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    channelOrder: 'RGB',
  },
  mnist: {
    id: 'mnist',
    label: 'MNIST (28×28 gray)',
    channels: 1,
    height: 28,
    width: 28,
    resize: 28,
    scale: 1 / 255,
    mean: [0],
    std: [1],
    channelOrder: 'RGB',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
};

export function isPresetId(s: string): s is Exclude<PresetId, 'custom'> {
  return Object.hasOwn(PRESETS, s);
}

/**
 * The preset a model with this input shape most likely expects: the known datasets by size,
 * otherwise a custom preset of the model's own size (ImageNet statistics for color input).
 */
export function presetForInputShape(shape: (number | string)[]): Preset {
  if (shape.length !== 4) {
    throw new StudioError(
      'bad-input',
      `the model's first input has shape [${shape.join(', ')}], not an image batch [N, C, H, W]; choose a model with image input`,
    );
  }
  const [, c, h, w] = shape;
  if (c === 3 && h === 32 && w === 32) return PRESETS.cifar10;
  if (c === 3 && h === 224 && w === 224) return PRESETS.imagenet;
  if (c === 1 && h === 28 && w === 28) return PRESETS.mnist;
  if (typeof h !== 'number' || typeof w !== 'number' || (c !== 1 && c !== 3)) {
    throw new StudioError(
      'bad-input',
      `the model's image input [${shape.join(', ')}] needs 1 or 3 channels and a fixed height and width; pick a preset explicitly or re-export the model with fixed sizes`,
    );
  }
  const gray = c === 1;
  return {
    id: 'custom',
    label: `custom (${w}×${h} ${gray ? 'gray' : 'RGB'})`,
    channels: c,
    height: h,
    width: w,
    resize: h,
    scale: 1 / 255,
    mean: gray ? [0] : IMAGENET_MEAN,
    std: gray ? [1] : IMAGENET_STD,
    channelOrder: 'RGB',
  };
}

/** Throws when the preset's C×H×W does not fit the model's (numeric) input dimensions. */
export function checkPresetFits(p: Preset, shape: (number | string)[], inputName: string): void {
  const want = [p.channels, p.height, p.width];
  const bad = shape.slice(1).some((d, i) => typeof d === 'number' && d !== want[i]);
  if (shape.length !== 4 || bad) {
    throw new StudioError(
      'bad-input',
      `preset "${p.id}" makes ${want.join('×')} images but the model input "${inputName}" is [${shape.join(', ')}]; choose a preset that matches the model (or leave it out to guess from the shape)`,
    );
  }
}
