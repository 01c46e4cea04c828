// The cache plan of a whole reconstruction run, from shapes alone: each block the run caches (as
// reconstruct() walks them: blocks with quantized weights, from startBlock to endBlock), the
// precision planCaches chooses for its three caches and the bytes they take, and the budget error
// of the first block that does not fit. A run checks it before it allocates anything; the CLI and
// the studio show it before Run.
import { StudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import { layerName } from '../quant/placement';
import type { QuantConfig } from '../quant/types';
import { exceedsBinding, sessionBlocks } from './analysis';
import type { Block } from './blocks';
import { blockCacheBytes, planCaches, type CachePrecision } from './cache';
import type { ReconConfig, ReconMethod } from './reconstruct';

export interface BlockCachePlan {
  index: number;
  name: string;
  /** Storage of the block's caches; null when they do not fit the budget in any precision allowed. */
  precision: CachePrecision | null;
  /** Bytes of the block's caches in `precision` (when they do not fit: in the last precision tried); 0 when skipped. */
  bytes: number;
  /** Why the run passes over this block and its layers keep round to nearest (unbindableLayer), when it does. */
  skipped?: string;
}

export interface RunCachePlan {
  /** Calibration images cached. */
  count: number;
  /** Bytes the caches of one block may take (cacheMiB). */
  budget: number;
  blocks: BlockCachePlan[];
  /**
   * The largest caches of one block that fits, in bytes: what the budget bounds. The run holds
   * besides them only what later blocks need of the tensors before (src/recon/frontier.ts).
   */
  peak: number;
  /** planCaches's error for the first block that does not fit (it names the image count that fits), or null. */
  error: StudioError | null;
}

export interface CachePlanOptions extends Pick<ReconConfig, 'cacheMiB' | 'cachePrecision'> {
  count: number;
  startBlock?: number;
  endBlock?: number;
  /** Why a block is passed over (its layers keep round to nearest), or null: see unbindableLayer. */
  skip?: (b: Block) => string | null;
}

/**
 * Why `block` cannot be reconstructed on a GPU that binds at most `limit` bytes of one storage
 * buffer, or null: a trained layer (AdaRound keeps ⌊W/s⌋, V, its two Adam moments, W̃ and two
 * gradients, each as large as the weights) whose float32 weights alone exceed one binding, as
 * AlexNet's fc6 (151 MiB) against the 128 MiB WebGPU guarantees. The run passes over such a block
 * and its layers keep their round-to-nearest codes. `elements(layer)`: weight elements of a
 * trained layer, undefined for a layer that is not trained.
 */
export function unbindableLayer(block: Block, elements: (layer: string) => number | undefined, limit: number): string | null {
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  for (const layer of block.layers) {
    const n = elements(layer);
    if (n !== undefined && exceedsBinding(n, limit)) {
      return `layer "${layer}" has ${mib(4 * n)} of float32 weights, more than this GPU binds in one buffer (${mib(limit)}): the block keeps round to nearest`;
    }
  }
  return null;
}

/**
 * The plan over `blocks`: `shapeOf(t)` a tensor's shape (batch first), `feed` the model input
 * (a block reading it keeps no quantized-input cache), `trained(layer)` whether a layer has
 * quantized weights (a block without any is skipped, and caches nothing).
 */
export function planBlockCaches(blocks: Block[], shapeOf: (t: string) => number[], feed: string, trained: (layer: string) => boolean, o: CachePlanOptions): RunCachePlan {
  const budget = o.cacheMiB * 2 ** 20;
  const size = (t: string) => shapeOf(t).slice(1).reduce((a, b) => a * b, 1);
  const planned: BlockCachePlan[] = [];
  let error: StudioError | null = null;
  for (const b of blocks.slice(o.startBlock ?? 0, o.endBlock ?? blocks.length)) {
    if (!b.layers.some(trained)) continue;
    const skipped = o.skip?.(b);
    if (skipped) {
      planned.push({ index: b.index, name: b.name, precision: null, bytes: 0, skipped });
      continue;
    }
    const p = { block: b.name, count: o.count, xSize: size(b.input), ySize: size(b.output), quantInput: b.input !== feed, budget, precision: o.cachePrecision };
    try {
      planned.push({ index: b.index, name: b.name, ...planCaches(p) });
    } catch (e) {
      if (!(e instanceof StudioError)) throw e;
      error ??= e;
      planned.push({ index: b.index, name: b.name, precision: null, bytes: blockCacheBytes(p, o.cachePrecision === 'f32' ? 'f32' : 'f16', o.count) });
    }
  }
  const peak = Math.max(0, ...planned.filter((b) => b.precision).map((b) => b.bytes));
  return { count: o.count, budget, blocks: planned, peak, error };
}

/** The plan of a `method` run on the session's model under `config`, at the input shape the session has set. */
export function planRunCaches(session: Session, config: QuantConfig, method: ReconMethod, o: CachePlanOptions): RunCachePlan {
  if (method === 'nearest') return { count: o.count, budget: o.cacheMiB * 2 ** 20, blocks: [], peak: 0, error: null };
  const { blocks, placement, analysis } = sessionBlocks(session, config, method === 'adaround');
  const weights = new Map(placement.layers.filter((l) => !l.float).map((l) => [layerName(l.node), l.node.inputs[1]]));
  const elements = (layer: string) => {
    const w = weights.get(layer);
    return w === undefined ? undefined : analysis.shapeOf(w).reduce((a, b) => a * b, 1);
  };
  const limit = session.gpu.device.limits.maxStorageBufferBindingSize;
  return planBlockCaches(blocks, analysis.shapeOf, session.graph.inputs[0].name, (l) => weights.has(l), { skip: (b) => unbindableLayer(b, elements, limit), ...o });
}
