// What the page tells the user about its surroundings: the GPU the worker found (or why there is
// none) and the dismissable error panel. Pushing an error never resets anything already loaded.
import { isStudioError } from '../engine/errors';
import type { SliceCreator } from './store';

export type DeviceState =
  | { status: 'pending' }
  | { status: 'ready'; adapter: string; fallback: boolean; features: string[] }
  | { status: 'unavailable'; message: string };

export interface DeviceSlice {
  device: DeviceState;
  setDevice: (d: DeviceState) => void;
}

export const createDeviceSlice: SliceCreator<DeviceSlice> = (set) => ({
  device: { status: 'pending' },
  setDevice: (device) => set({ device }),
});

export interface UiError {
  id: number;
  /** What the studio was doing, e.g. "Could not load model.onnx". */
  title: string;
  message: string;
  /** StudioError code ('not-onnx', 'bad-image', ...) or 'internal' for unexpected errors. */
  code: string;
}

export interface ErrorsSlice {
  errors: UiError[];
  pushError: (title: string, e: unknown) => void;
  dismissError: (id: number) => void;
  dismissAllErrors: () => void;
}

let nextId = 1;

export function describeError(e: unknown): { code: string; message: string } {
  if (isStudioError(e)) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: e.name === 'GpuUnavailableError' ? 'no-webgpu' : 'internal', message: e.message };
  return { code: 'internal', message: String(e) };
}

export const createErrorsSlice: SliceCreator<ErrorsSlice> = (set) => ({
  errors: [],
  pushError: (title, e) => {
    const { code, message } = describeError(e);
    if (code === 'internal') console.warn(title, e);
    set((s) => ({ errors: [...s.errors, { id: nextId++, title, message, code }].slice(-8) }));
  },
  dismissError: (id) => set((s) => ({ errors: s.errors.filter((x) => x.id !== id) })),
  dismissAllErrors: () => set({ errors: [] }),
});
