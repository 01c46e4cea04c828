// The reconstruction half of the page ↔ worker contract: the block partition, a reconstruction
// run (AdaRound / BRECQ / QDrop) streaming its loss curves, pause/cancel, and the flatness curve.
import type { Preset } from '../data/presets';
import type { BlockKind } from '../recon/blocks';
import type { LossPoint, ReconConfig } from '../recon/reconstruct';
import type { CachePrecision } from '../recon/cache';
import type { ImageJob } from './api';

export interface BlockInfo {
  index: number;
  name: string;
  kind: BlockKind;
  layers: string[];
  /** Activation quantizers trained with the block. */
  acts: number;
}

export interface ReconRequest {
  jobId: number;
  /** Calibration images (the reconstruction set; DESIGN default 1024). */
  images: ImageJob[];
  preset: Preset;
  batchSize: number;
  cfg: ReconConfig;
  /** Flatness curve after each block (α points in [−range, range]). */
  flatness?: { points: number; range: number };
  /** Resume from a checkpoint: the blocks already done and their state (opaque, from onEvent 'checkpoint'). */
  resume?: ReconCheckpoint;
}

/** What a run needs to continue after a reload: stored by the page (IndexedDB) after each block. */
export interface ReconCheckpoint {
  /** Blocks done. */
  blocks: number;
  /** Serialized QuantState after those blocks (JSON with typed arrays as plain arrays). */
  state: string;
}

export type ReconEvent =
  | { type: 'block-start'; block: number; total: number }
  | { type: 'cache'; block: number; done: number; total: number }
  | { type: 'loss'; block: number; points: LossPoint[]; itersDone: number }
  | {
      type: 'block-end';
      block: number;
      /** Iterations run: fewer than cfg.iters when the block stopped early. */
      iters: number;
      seconds: number;
      firstLoss: number;
      lastLoss: number;
      /** Storage of the block's cached inputs and outputs (float16 above cfg.cacheMiB). */
      cache: CachePrecision;
      /** Why the block was passed over (its layers keep round to nearest), when it was. */
      skipped?: string;
    }
  | { type: 'flatness'; block: number; alphas: number[]; losses: number[] }
  /** The GPU device was lost; the worker recreated it and starts again at `block` (its last finished block's state). */
  | { type: 'recovered'; block: number; message: string }
  | { type: 'checkpoint'; checkpoint: ReconCheckpoint };

export interface ReconResult {
  cancelled: boolean;
  ms: number;
  blocks: number;
  /** Each reconstructed layer's weight SQNR (dB) with its learned rounding, by node name. */
  weightSqnr?: Record<string, number>;
}

export interface CachePlanRequest extends Pick<ReconConfig, 'method' | 'cacheMiB' | 'cachePrecision'> {
  /** Calibration images the run will cache. */
  count: number;
  /** Sizes a dynamic-H/W input as the run will. */
  preset: Preset;
}

/** The cache plan of a run with these settings (src/recon/cache-plan.ts), before Run. */
export interface CachePlanInfo extends Omit<CachePlanRequest, 'preset'> {
  /** Bytes the caches of one block may take. */
  budget: number;
  /** Each block the run caches: its storage (null: does not fit) and bytes. */
  blocks: { index: number; name: string; precision: CachePrecision | null; bytes: number; skipped?: string }[];
  /** The largest caches of one block that fits, bytes. */
  peak: number;
  /** Why the run would stop before caching (it names the block and the image count that fits), or null. */
  message: string | null;
}

export interface ReconApi {
  /** The block partition of the loaded model under the current calibration's configuration. */
  reconBlocks(method: ReconConfig['method']): Promise<BlockInfo[]>;
  /** Each block's planned cache storage and size for a run with these settings (shapes only: no GPU work). */
  reconCachePlan(req: CachePlanRequest): Promise<CachePlanInfo>;
  reconstruct(req: ReconRequest, onEvent: (e: ReconEvent) => void): Promise<ReconResult>;
  /** Pause or resume the running reconstruction (it waits between history windows). */
  pauseRecon(jobId: number, paused: boolean): Promise<void>;
}
