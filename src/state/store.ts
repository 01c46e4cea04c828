// The studio's one zustand store, built from typed slices; jobs (src/state/jobs) are plain async
// functions over an AppContext {store, engine}, so they run the same in the page and in tests.
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../worker/api';
import { createImagesSlice, type ImagesSlice } from './images-slice';
import { createInferenceSlice, type InferenceSlice } from './inference-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createQuantConfigSlice, type QuantConfigSlice } from './quant-config-slice';
import { createQuantResultsSlice, type QuantResultsSlice } from './quant-results-slice';
import { createDeviceSlice, createErrorsSlice, type DeviceSlice, type ErrorsSlice } from './status-slice';
import { createReconSlice, type ReconSlice } from './recon-slice';
import type { CheckpointStore } from './recon-checkpoints';
import { createFidelitySlice, type FidelitySlice } from './fidelity-slice';

export type StudioState = DeviceSlice & ModelSlice & ImagesSlice & InferenceSlice & QuantConfigSlice & QuantResultsSlice & ReconSlice & ErrorsSlice & FidelitySlice;
export type StudioStore = StoreApi<StudioState>;
export type SliceCreator<T> = StateCreator<StudioState, [], [], T>;

export interface AppContext {
  store: StudioStore;
  engine: EngineClient;
  /** Hand a file to the user (the page: a download; tests: a recorder). */
  save?: (blob: Blob, fileName: string) => void;
  /** Where reconstruction checkpoints go (the page: IndexedDB; tests: memory). */
  checkpoints?: CheckpointStore;
}

export function createStudioStore(): StudioStore {
  return createStore<StudioState>()((...a) => ({
    ...createDeviceSlice(...a),
    ...createModelSlice(...a),
    ...createImagesSlice(...a),
    ...createInferenceSlice(...a),
    ...createQuantConfigSlice(...a),
    ...createQuantResultsSlice(...a),
    ...createReconSlice(...a),
    ...createErrorsSlice(...a),
    ...createFidelitySlice(...a),
  }));
}
