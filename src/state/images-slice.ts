// The image set to run: each image's Blob (sent to the worker), an object URL for its thumbnail
// and its ground-truth label when one is known (file names, folders or a labels file).
import type { LabelsFile } from '../data/labels';
import type { SliceCreator } from './store';

export interface ImageItem {
  id: number;
  name: string;
  /** Relative path (folder uploads) or the file name. */
  path: string;
  blob: Blob;
  /** Object URL for the thumbnail; revoked when the image is removed. */
  url: string;
  label?: number;
}

export interface ImagesSlice {
  images: ImageItem[];
  /** Class names for labels and predictions (from the preset or the labels file). */
  classes: string[];
  labelSource: string;
  labelsFile: LabelsFile | null;
  setImages: (images: ImageItem[]) => void;
  setLabels: (labels: (number | undefined)[], classes: string[], source: string) => void;
  setLabelsFile: (f: LabelsFile | null) => void;
  clearImages: () => void;
}

let nextId = 1;
export function newImageId(): number {
  return nextId++;
}

function revoke(images: ImageItem[]): void {
  for (const im of images) if (im.url.startsWith('blob:')) URL.revokeObjectURL(im.url);
}

export const createImagesSlice: SliceCreator<ImagesSlice> = (set, get) => ({
  images: [],
  classes: [],
  labelSource: 'none',
  labelsFile: null,
  setImages: (images) => {
    revoke(get().images.filter((im) => !images.includes(im)));
    set({ images, predictions: {}, run: { ...get().run, status: 'idle', done: 0, total: 0 } });
  },
  setLabels: (labels, classes, labelSource) =>
    set((s) => ({
      images: s.images.map((im, i) => (im.label === labels[i] ? im : { ...im, label: labels[i] })),
      classes,
      labelSource,
    })),
  setLabelsFile: (labelsFile) => set({ labelsFile }),
  clearImages: () => {
    revoke(get().images);
    set({ images: [], predictions: {}, labelSource: 'none', labelsFile: null, run: { ...get().run, status: 'idle', done: 0, total: 0 } });
  },
});
