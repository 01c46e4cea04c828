// Resumable reconstruction runs (`quantize --checkpoint DIR [--resume]`): after every block the run's
// state is written to DIR/checkpoint.json atomically (write a temporary file, then rename), with the
// run's identity — the model file's content hash, the quantization and reconstruction settings, and
// the calibration set (names and content hash of every image used) — and the next block. Killing
// the process at any moment loses at most the block in progress. Resuming checks the identity and
// refuses a checkpoint made for another model, settings or images, saying which. The random
// numbers are counter-based (a pure function of seed, block and iteration), so a resumed run
// computes what an uninterrupted one would.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../engine/errors';
import { readRegularFile, readRegularText } from '../data/read-file-node';
import type { QuantConfig, QuantState } from '../quant/types';
import type { ImageSet } from '../data/image-set-node';
import { parseState, serializeState } from '../recon/checkpoint';
import type { ReconConfig } from '../recon/reconstruct';

export const CHECKPOINT_FILE = 'checkpoint.json';
const VERSION = 1;

export interface RunIdentity {
  /** sha256 of the model file's bytes. */
  model: string;
  modelFile: string;
  config: QuantConfig;
  /** The reconstruction settings that change its result. */
  recon: Omit<ReconConfig, 'flatness' | 'historyEvery'>;
  /** sha256 over the calibration images' names and bytes, in order; and their count. */
  calib: string;
  calibCount: number;
}

/** What a finished block took: kept so a run resumed across sessions can still report its whole time. */
export interface BlockRecord {
  block: string;
  iters: number;
  seconds: number;
  /** Seconds the block's caches and program took before training (absent in older checkpoints). */
  cacheSeconds?: number;
  firstLoss: number;
  lastLoss: number;
  /** Why the block was passed over (its layers keep round to nearest). */
  skipped?: string;
}

export interface Checkpoint {
  version: number;
  identity: RunIdentity;
  /** Blocks finished; the run continues at this block. */
  nextBlock: number;
  blocks: number;
  savedAt: string;
  /** Seconds of the calibration that started the run (0 when unknown). */
  calibSeconds?: number;
  /** The finished blocks, in order (checkpoints written before this existed lack it). */
  done?: BlockRecord[];
  state: QuantState;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Hash of the calibration images actually used: each name and its file's bytes, in order. */
export function calibrationHash(root: string, names: string[], kind: 'folder' | 'mnist'): string {
  const h = createHash('sha256');
  if (kind === 'mnist') {
    h.update(readRegularFile(root, 'mnist'));
    h.update(`first ${names.length}`);
  } else {
    for (const n of names) {
      h.update(n);
      h.update('\0');
      h.update(readRegularFile(join(root, n), 'image', n));
    }
  }
  return h.digest('hex');
}

/** What makes a reconstruction run this run: checked before a checkpoint is resumed. */
export function runIdentity(model: Uint8Array, modelFile: string, config: QuantConfig, cfg: ReconConfig, calibPath: string, calib: ImageSet): RunIdentity {
  const { flatness: _f, historyEvery: _h, ...recon } = cfg;
  return { model: sha256(model), modelFile, config, recon, calib: calibrationHash(calibPath, calib.names, calib.kind), calibCount: calib.count };
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/** Writes the checkpoint atomically: a crash leaves the previous checkpoint or the new one, never half of one. */
export function saveCheckpoint(dir: string, c: Omit<Checkpoint, 'version' | 'savedAt'>): void {
  mkdirSync(dir, { recursive: true });
  const path = checkpointPath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  const body = { version: VERSION, savedAt: new Date().toISOString(), ...c, state: '__STATE__' };
  writeFileSync(tmp, JSON.stringify(body).replace('"__STATE__"', serializeState(c.state)));
  renameSync(tmp, path);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The differences between a checkpoint's identity and this run's, in words (empty: the same run). */
export function identityMismatch(saved: RunIdentity, now: RunIdentity): string[] {
  const out: string[] = [];
  if (saved.model !== now.model) out.push(`it was made for another model file (${saved.modelFile}, sha256 ${saved.model.slice(0, 12)}…; this is ${now.modelFile}, sha256 ${now.model.slice(0, 12)}…)`);
  if (!same(saved.config, now.config)) {
    const keys = Object.keys({ ...saved.config, ...now.config }).filter((k) => !same(saved.config[k as keyof QuantConfig], now.config[k as keyof QuantConfig]));
    out.push(`its quantization settings differ (${keys.map((k) => `${k}: ${JSON.stringify(saved.config[k as keyof QuantConfig])} then, ${JSON.stringify(now.config[k as keyof QuantConfig])} now`).join('; ')})`);
  }
  if (!same(saved.recon, now.recon)) {
    const keys = Object.keys({ ...saved.recon, ...now.recon }) as (keyof RunIdentity['recon'])[];
    const diff = keys.filter((k) => !same(saved.recon[k], now.recon[k]));
    out.push(`its reconstruction settings differ (${diff.map((k) => `${k}: ${JSON.stringify(saved.recon[k])} then, ${JSON.stringify(now.recon[k])} now`).join('; ')})`);
  }
  if (saved.calib !== now.calib || saved.calibCount !== now.calibCount) out.push(`its calibration images differ (${saved.calibCount} images then, ${now.calibCount} now; content hash ${saved.calib.slice(0, 12)}… then, ${now.calib.slice(0, 12)}… now)`);
  return out;
}

/** The checkpoint in dir for this run, null when there is none; throws when it belongs to another run or is unreadable. */
export function loadCheckpoint(dir: string, now: RunIdentity): Checkpoint | null {
  const path = checkpointPath(dir);
  if (!existsSync(path)) return null;
  let c: Checkpoint;
  try {
    const raw = JSON.parse(readRegularText(path, 'checkpoint')) as Checkpoint & { state: unknown };
    c = { ...raw, state: parseState(JSON.stringify(raw.state)) };
  } catch (e) {
    throw new StudioError('bad-input', `${path} is not a readable checkpoint (${(e as Error).message}); delete it, or run without --resume to start over`, path);
  }
  if (c.version !== VERSION) throw new StudioError('bad-input', `${path} is a checkpoint of format ${c.version}; this version reads format ${VERSION}. Run without --resume to start over.`, path);
  const why = identityMismatch(c.identity, now);
  if (why.length) {
    throw new StudioError('bad-input', `${path} belongs to another run: ${why.join('; ')}. Resume it with the same model, settings and images, or use another --checkpoint folder (or run without --resume to start this one over there).`, path);
  }
  return c;
}
