// Reconstruction checkpoints kept across reloads: after each block the worker's state goes to
// IndexedDB (idb-keyval), one per model file name, so "Resume reconstruction (block k of n)" can
// continue where a closed tab stopped. Without IndexedDB (private modes, Node) nothing is kept.
// A checkpoint saved by an older page may lack newer configuration fields: they take the defaults.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { RECON_DEFAULTS } from '../recon/reconstruct';
import type { QuantConfig } from '../quant/types';
import type { ReconCheckpoint } from '../worker/recon-api';
import type { CheckpointInfo, FlatnessRequest } from './recon-slice';

export interface StoredCheckpoint extends CheckpointInfo {
  flatness: FlatnessRequest | null;
  presetId: string;
  checkpoint: ReconCheckpoint;
  /**
   * The run's identity beyond its settings: the model file's content hash, and the hash and number
   * of the images it trained on (the reconstruction's Images of the calibration set); absent in
   * checkpoints of older pages.
   */
  modelSha256?: string;
  calibSha256?: string;
  calibCount?: number;
}

/**
 * Why this checkpoint cannot continue a run on this model and these calibration images (null when
 * it can): it is stored under the model's file name, so another file of the same name, other
 * images, or a checkpoint from before identities were kept must be refused, not resumed.
 */
export function identityProblem(c: StoredCheckpoint, modelSha256: string | null, calibSha256: string, calibCount: number): string | null {
  if (!c.modelSha256 || !c.calibSha256) return `It was saved by an earlier version of the studio that did not record which model file and images it belongs to, so it cannot be checked; discard it and run again.`;
  if (c.modelSha256 !== modelSha256) {
    return `It belongs to another model file named ${c.modelFile} (sha256 ${c.modelSha256.slice(0, 12)}…; the loaded one is ${modelSha256?.slice(0, 12) ?? 'unknown'}…). Load that file to resume it, or discard it.`;
  }
  if (c.calibSha256 !== calibSha256 || c.calibCount !== calibCount) {
    const hint = c.calibCount !== calibCount ? ` and set the reconstruction's Images to ${c.calibCount}` : '';
    return `It was made with other calibration images (${c.calibCount} then, ${calibCount} now, or the same number with other contents). Choose the images it was made with${hint} to resume it, or discard it.`;
  }
  return null;
}

export interface CheckpointStore {
  load(modelFile: string): Promise<StoredCheckpoint | undefined>;
  save(c: StoredCheckpoint): Promise<void>;
  clear(modelFile: string): Promise<void>;
}

const key = (modelFile: string) => `recon:${modelFile}`;

/** A loaded checkpoint with the configuration fields it lacks (saved before they existed) at their defaults. */
export function withDefaults(c: StoredCheckpoint | undefined): StoredCheckpoint | undefined {
  return c && { ...c, cfg: { ...RECON_DEFAULTS, ...c.cfg } };
}

/** The page's store: one IndexedDB database of its own. */
export function idbCheckpoints(): CheckpointStore {
  let db: UseStore | null = null;
  const store = () => (db ??= createStore('quant-studio', 'recon-checkpoints'));
  const none = typeof indexedDB === 'undefined';
  return {
    load: async (modelFile) => (none ? undefined : withDefaults(await get<StoredCheckpoint>(key(modelFile), store()))),
    save: async (c) => (none ? undefined : set(key(c.modelFile), c, store())),
    clear: async (modelFile) => (none ? undefined : del(key(modelFile), store())),
  };
}

/** An in-memory store (tests, or pages that should forget). */
export function memoryCheckpoints(): CheckpointStore & { map: Map<string, StoredCheckpoint> } {
  const map = new Map<string, StoredCheckpoint>();
  return {
    map,
    load: async (f) => withDefaults(map.get(f)),
    save: async (c) => void map.set(c.modelFile, c),
    clear: async (f) => void map.delete(f),
  };
}

/** The summary the store keeps (without the state itself). */
export function checkpointInfo(c: StoredCheckpoint): CheckpointInfo {
  return { modelFile: c.modelFile, cfg: c.cfg, quant: c.quant, blocks: c.blocks, total: c.total, savedAt: c.savedAt };
}

/** The checkpoint can continue the current calibration: same quantization configuration. */
export function checkpointFits(c: Pick<CheckpointInfo, 'quant'>, calibrated: QuantConfig): boolean {
  return JSON.stringify(c.quant) === JSON.stringify(calibrated);
}

