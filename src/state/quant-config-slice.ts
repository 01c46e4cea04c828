// What to quantize and with what: the configuration (bits, observers, granularity, policy,
// per-layer overrides), the layer plan the worker derives from it, the calibration images and
// the export format.
import { DEFAULT_CONFIG, type LayerOverride, type QuantConfig } from '../quant/types';
import type { QuantLayerPlan } from '../worker/quant-api';
import type { SliceCreator } from './store';

export interface CalibImage {
  id: number;
  name: string;
  /** Relative path (folder or .zip) or the file name. */
  path: string;
  blob: Blob;
}

export type ExportOpset = 13 | 21;

export interface QuantConfigSlice {
  quantConfig: QuantConfig;
  /** Per weighted layer: the bits the configuration gives it (from the worker's placement). */
  quantPlan: QuantLayerPlan[];
  calibImages: CalibImage[];
  exportOpset: ExportOpset;
  editConfig: (patch: Partial<Omit<QuantConfig, 'overrides'>>) => void;
  /** Set a layer's override; null removes it. */
  setOverride: (layer: string, o: LayerOverride | null) => void;
  setQuantPlan: (plan: QuantLayerPlan[]) => void;
  setCalibImages: (images: CalibImage[]) => void;
  setExportOpset: (opset: ExportOpset) => void;
}

const clampBits = (b: number) => Math.max(2, Math.min(8, Math.round(b)));

/** A valid configuration from an edited one: bits 2..8, at least one calibration image, percentile in (0, 100]. */
export function sanitizeConfig(c: QuantConfig): QuantConfig {
  return {
    ...c,
    wBits: clampBits(c.wBits),
    aBits: clampBits(c.aBits),
    calibCount: Math.max(1, Math.round(c.calibCount) || 1),
    percentile: Math.min(100, Math.max(50, c.percentile || DEFAULT_CONFIG.percentile)),
  };
}

export const createQuantConfigSlice: SliceCreator<QuantConfigSlice> = (set) => ({
  quantConfig: DEFAULT_CONFIG,
  quantPlan: [],
  calibImages: [],
  exportOpset: 13,
  editConfig: (patch) => set((s) => ({ quantConfig: sanitizeConfig({ ...s.quantConfig, ...patch }) })),
  setOverride: (layer, o) =>
    set((s) => {
      const overrides = { ...s.quantConfig.overrides };
      if (o && (o.float || o.wBits !== undefined || o.aBits !== undefined)) overrides[layer] = o;
      else delete overrides[layer];
      return { quantConfig: { ...s.quantConfig, overrides } };
    }),
  setQuantPlan: (quantPlan) => set({ quantPlan }),
  setCalibImages: (calibImages) => set({ calibImages }),
  setExportOpset: (exportOpset) => set({ exportOpset }),
});

/** The images calibration uses: `count` of them spread evenly over the set (a folder sorted by class still gives every class). */
export function pickCalibration<T>(images: T[], count: number): T[] {
  if (images.length <= count) return images;
  return Array.from({ length: count }, (_, i) => images[Math.floor((i * images.length) / count)]);
}

/**
 * The exported file's name: model, bits, method (observers, or `rounding` when data-free), APoT and
 * reconstruction, e.g. resnet20_cifar10_w4a4_mse.onnx, resnet20_cifar10_w4a4_mse_apot_qdrop.onnx,
 * resnet20_cifar10_w4a8_squant.onnx.
 */
export function quantFileName(modelFile: string, c: QuantConfig, opset: ExportOpset, ext = '.onnx', recon?: string, rounding?: string): string {
  const base = modelFile.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_');
  const method = rounding ?? (c.wObserver === c.aObserver ? c.wObserver : `${c.wObserver}-${c.aObserver}`);
  return `${base}_w${c.wBits}a${c.aBits}_${method}${c.wLevels === 'apot' ? '_apot' : ''}${recon && recon !== 'nearest' ? `_${recon}` : ''}${opset === 21 ? '_opset21' : ''}${ext}`;
}
