// The worker's quantization methods over the loaded Session: the layer plan of a configuration,
// calibration or data-free SQuant with the per-layer table, a layer's weight levels, float/fake-quant
// evaluation, QDQ export and a check of the exported file in onnxruntime-web. The QuantState stays here.
import * as Comlink from 'comlink';
import { StudioError, isStudioError } from '../engine/errors';
import type { Session } from '../engine/session';
import { checkPresetFits, type Preset } from '../data/presets';
import { hasDynamicSize } from '../data/input-size';
import { applyState, calibrate } from '../quant/calibrate';
import { exportQdq, webgpuFallbacks } from '../quant/export-qdq';
import { layerName, place } from '../quant/placement';
import type { QuantConfig, QuantState } from '../quant/types';
import { feed, fixedBatch, isReadable, preparedBatches, runBatchSize, top1 } from './batches';
import { calibSource } from './calib-source';
import { quantReport, type LayerRow } from '../quant/report';
import type { HostTensor } from '../engine/types';
import type { EvalPrediction, EvaluateProgress, QuantApi, QuantLayerPlan, QuantLayerRow, QuantStats } from './quant-api';
import type { ReconApi } from './recon-api';
import { reconBlocks, reconstruct } from '../recon/reconstruct';
import { planRunCaches } from '../recon/cache-plan';
import { parseState, serializeState } from '../recon/checkpoint';
import { EvalFidelity } from './eval-fidelity';
import type { DataFreeApi } from './data-free-api';
import { runDataFree, weightSqnrs } from './data-free-worker';
import { weightLevels } from './weight-levels';
import { lossHook, lostOutside, surviveLoss, type ResumePoint, type TestHooks } from './device-recovery';

export interface WorkerContext {
  /** The loaded session, or a StudioError saying why there is none. */
  session: () => Promise<Session>;
  current: () => Session | null;
  isCancelled: (jobId: number) => boolean;
  /** Count a job in flight, so the session is not freed under it. */
  hold: <T>(job: () => Promise<T>) => Promise<T>;
  /** A new GPU device after this session's was lost, and the model reopened on it. */
  recreate: (lost: Session) => Promise<Session>;
  /** Test-only switches from the page's ?test-hooks query (src/worker/device-recovery.ts). */
  testHooks: TestHooks;
}

export function createQuantApi(ctx: WorkerContext): Omit<QuantApi, 'verify' | 'unzip'> & ReconApi & DataFreeApi {
  let quant: { session: Session; state: QuantState } | null = null;
  /** The state right after calibration: every reconstruction run starts from it (ablations compare like with like). */
  let calibratedState: QuantState | null = null;
  const paused = new Set<number>();

  /** A new device for a lost one; the quantized model (CPU state) is set up again on it. */
  const recreate = async (lost: Session): Promise<Session> => {
    const next = await ctx.recreate(lost);
    if (quant?.session === lost) quant = { session: next, state: applyState(next, quant.state) };
    return next;
  };

  const calibrated = async (): Promise<{ session: Session; state: QuantState }> => {
    const current = await ctx.session();
    // a device lost in an earlier job is replaced before this one starts
    const s = current.gpu.lostReason ? await recreate(current) : current;
    if (!quant || quant.session !== s || !s.hasQuant) throw new StudioError('bad-input', 'The model is not calibrated yet: choose calibration images and press Calibrate first.');
    return quant;
  };

  return {
    async planQuant(config: QuantConfig): Promise<QuantLayerPlan[]> {
      const s = ctx.current();
      if (!s) return [];
      const { layers, acts, float } = place(s.graph, config);
      const rows: QuantLayerPlan[] = layers.map((l) => {
        const name = layerName(l.node);
        const site = acts.find((a) => a.consumers.includes(name));
        return { name, opType: l.node.opType, dims: l.dims, wBits: l.float ? null : l.wBits, aBits: site ? site.bits : null, first: l.first, last: l.last };
      });
      // weighted ops the studio cannot quantize, with the reason (overridden layers are rows above)
      const placed = new Set(rows.map((r) => r.name));
      for (const f of float) if (!placed.has(f.name)) rows.push({ name: f.name, opType: f.opType, dims: [], wBits: null, aBits: null, first: false, last: false, floatReason: f.reason });
      return rows;
    },

    async calibrate(req, onProgress) {
      const s = await ctx.session();
      const input = s.summary.inputs[0];
      checkPresetFits(req.preset, input.shape, input.name);
      if (!req.images.length) throw new StudioError('bad-input', 'No calibration images: choose image files, a folder or a .zip of images for calibration.');
      sizeInput(s, req.preset);
      const t0 = performance.now();
      const size = runBatchSize(input.shape, req.batchSize);
      const source = calibSource(req.images, req.preset, size, fixedBatch(input.shape));
      const signal = { get cancelled() { return ctx.isCancelled(req.jobId); } };
      return ctx.hold(async () => {
        let state: QuantState;
        let total = 1;
        try {
          state = await calibrate(s, req.config, {
            batches: source.batches,
            batchCount: source.batchCount,
            signal,
            // One step more for the per-layer report, so the bar fills only when the table is ready.
            onProgress: (p) => onProgress({ phase: p.phase, done: p.done, total: (total = p.total + 1), pass: p.pass }),
          });
        } catch (e) {
          if (isStudioError(e) && e.code === 'cancelled') return { cancelled: true, ms: performance.now() - t0, images: source.used(), failed: source.failed, rows: [] };
          throw await lostOutside(e, 'calibration', s, recreate);
        }
        quant = { session: s, state };
        calibratedState = state;
        const sample = source.first();
        const rows = sample ? await layerRows(s, state, sample) : [];
        onProgress({ phase: 'report', done: total, total });
        return { cancelled: false, ms: performance.now() - t0, images: source.used(), failed: source.failed, rows };
      });
    },

    async dataFree(req, onProgress) {
      const s = await ctx.session();
      sizeInput(s, req.preset);
      const signal = { get cancelled() { return ctx.isCancelled(req.jobId); } };
      return ctx.hold(async () => {
        const r = await runDataFree(s, req, signal, onProgress, (st, x) => layerRows(s, st, x));
        if (r.state) quant = { session: s, state: (calibratedState = r.state) };
        else if (quant?.session === s) applyState(s, quant.state); // cancelled: back to the quantized model the page shows
        return r.result;
      });
    },

    async weightLevels(layer, channel, bins) {
      const { session: s, state } = await calibrated();
      return ctx.hold(() => weightLevels(s, state, layer, channel, bins));
    },

    async evaluate(req, onProgress) {
      const { session: s } = await calibrated();
      const input = s.summary.inputs[0];
      checkPresetFits(req.preset, input.shape, input.name);
      const fixed = fixedBatch(input.shape);
      const size = runBatchSize(input.shape, req.batchSize);
      const t0 = performance.now();
      let done = 0;
      let stopped = false;
      const fid = req.fidelity ? new EvalFidelity() : null;
      await ctx.hold(async () => {
        for await (const batch of preparedBatches(req.images, req.preset, size)) {
          if (ctx.isCancelled(req.jobId)) {
            stopped = true;
            break;
          }
          const ok = batch.filter(isReadable);
          const preds = new Map<number, EvalPrediction>();
          let extra: Pick<EvaluateProgress, 'fidelity' | 'dense'> = {};
          if (ok.length) {
            const feeds = { [input.name]: feed(ok.map((p) => p.x), req.preset, fixed) };
            const logitsOf = (r: Record<string, { data: Float32Array }>) => (r[s.summary.outputs[0].name] ?? Object.values(r)[0]).data;
            const qo = await s.run(feeds, { quant: true });
            const fo = req.float || fid ? await s.run(feeds) : null;
            const q = top1(logitsOf(qo), fixed || ok.length);
            const f = req.float && fo ? top1(logitsOf(fo), fixed || ok.length) : null;
            ok.forEach((p, i) => preds.set(p.id, { id: p.id, quant: q[i].top1, float: f?.[i].top1 }));
            if (fid && fo) extra = fid.add(fo, qo, ok.map((p) => p.id));
          }
          done += batch.length;
          onProgress({
            done,
            total: req.images.length,
            predictions: batch.map((p) => preds.get(p.id) ?? { id: p.id, quant: -1, float: req.float ? -1 : undefined, error: 'error' in p ? p.error : undefined }),
            ...extra,
          });
        }
      });
      return { done, total: req.images.length, cancelled: stopped, ms: performance.now() - t0 };
    },

    async reconBlocks(method) {
      const { session: s, state } = await calibrated();
      return reconBlocks(s, state, method).map((b) => ({ index: b.index, name: b.name, kind: b.kind, layers: b.layers, acts: b.acts.length }));
    },

    async reconCachePlan(req) {
      const { session: s, state } = await calibrated();
      sizeInput(s, req.preset);
      const { preset: _p, ...settings } = req;
      const plan = planRunCaches(s, state.config, req.method, req);
      return { ...settings, budget: plan.budget, blocks: plan.blocks, peak: plan.peak, message: plan.error?.message ?? null };
    },

    async pauseRecon(jobId, p) {
      if (p) paused.add(jobId);
      else paused.delete(jobId);
    },

    async reconstruct(req, onEvent) {
      let { session: s } = await calibrated();
      if (!calibratedState) throw new StudioError('bad-input', 'The model is not calibrated yet: press Calibrate first.');
      const input = s.summary.inputs[0];
      checkPresetFits(req.preset, input.shape, input.name);
      if (!req.images.length) throw new StudioError('bad-input', 'No calibration images: reconstruction trains on the calibration images; choose some first.');
      sizeInput(s, req.preset);
      const t0 = performance.now();
      const size = runBatchSize(input.shape, req.batchSize);
      const source = calibSource(req.images, req.preset, size, fixedBatch(input.shape));
      const signal = {
        get cancelled() {
          return ctx.isCancelled(req.jobId);
        },
        get paused() {
          return paused.has(req.jobId);
        },
      };
      const start = req.resume ? parseState(req.resume.state) : calibratedState;
      // one pass to count the readable images (the caches are sized by it)
      for await (const _batch of source.batches()) continue;
      const count = source.used();
      return ctx.hold(async () => {
        let blocks = 0;
        // the last finished block's state: a lost device is recreated and the run goes on from it
        let finished: ResumePoint = { block: req.resume?.blocks ?? 0, state: start };
        const recovery = {
          session: s,
          recreate,
          onSession: (next: Session) => {
            s = next;
            quant = { session: s, state: calibratedState! };
          },
          onRecovered: (block: number, message: string) => onEvent({ type: 'recovered', block, message }),
          stopAdvice: (block: number) => `The finished blocks are kept: resume the reconstruction to continue at block ${block + 1}.`,
        };
        try {
          const state = await surviveLoss(recovery, () => finished, (session, from) => {
            sizeInput(session, req.preset);
            return reconstruct(
              session,
              from.state,
              { ...req.cfg, flatness: req.flatness },
              { batches: source.batches, count, signal, startBlock: from.block },
              {
                onBlockStart: (_b, i, n) => onEvent({ type: 'block-start', block: i, total: n }),
                onCache: (b, done, total) => onEvent({ type: 'cache', block: b.index, done, total }),
                onLoss: (b, points, itersDone) => {
                  onEvent({ type: 'loss', block: b.index, points, itersDone });
                  lossHook(ctx.testHooks, session.gpu, b.index);
                },
                onBlockEnd: async (sum, st) => {
                  blocks++;
                  finished = { block: sum.block.index + 1, state: st };
                  onEvent({ type: 'block-end', block: sum.block.index, iters: sum.iters, seconds: sum.seconds, firstLoss: sum.firstLoss, lastLoss: sum.lastLoss, cache: sum.cache, ...(sum.skipped ? { skipped: sum.skipped } : {}) });
                  if (sum.flatness) onEvent({ type: 'flatness', block: sum.block.index, alphas: sum.flatness.alphas, losses: sum.flatness.losses });
                  onEvent({ type: 'checkpoint', checkpoint: { blocks: sum.block.index + 1, state: serializeState(st) } });
                },
              },
            );
          });
          quant = { session: s, state };
        } catch (e) {
          // cancelled or failed: the session goes back to the calibrated model, not a half-reconstructed one
          quant = { session: s, state: calibratedState! };
          applyState(s, calibratedState!);
          if (isStudioError(e) && e.code === 'cancelled') return { cancelled: true, ms: performance.now() - t0, blocks };
          throw e;
        } finally {
          paused.delete(req.jobId);
        }
        return { cancelled: false, ms: performance.now() - t0, blocks, weightSqnr: weightSqnrs(s, quant.state) };
      });
    },

    async webgpuFallbacks(opset) {
      return webgpuFallbacks((await calibrated()).state, opset);
    },

    async exportModel(opset) {
      const { session: s, state } = await calibrated();
      const t0 = performance.now();
      const out = exportQdq(s.model, s.graph, state, { opset });
      const bytes = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
      return Comlink.transfer({ bytes, fallbacks: webgpuFallbacks(state, opset), ms: performance.now() - t0 }, [bytes.buffer as ArrayBuffer]);
    },
  };
}

/** A dynamic-H/W input runs at the preset's size: reconstruction plans its blocks at it. */
function sizeInput(s: Session, p: Preset): void {
  const input = s.summary.inputs[0];
  if (input && hasDynamicSize(input.shape)) s.setInputShape(input.name, [1, p.channels, p.height, p.width]);
}

/** quantReport's weight and activation rows joined per weighted layer (its weights, and the quantizer on its input). */
const stats = (r: LayerRow | undefined): QuantStats | null => (r ? { bits: r.bits, min: r.min, max: r.max, scale: r.scale, sqnrDb: r.sqnrDb } : null);

async function layerRows(session: Session, state: QuantState, sample: HostTensor): Promise<QuantLayerRow[]> {
  const report = await quantReport(session, state, sample);
  const weights = new Map(report.filter((r) => r.kind === 'weight').map((r) => [r.name, r]));
  const acts = new Map(report.filter((r) => r.kind === 'activation').map((r) => [r.name, r]));
  const { layers, acts: sites } = place(session.graph, state.config);
  return layers.map((l, index) => {
    const name = layerName(l.node);
    const site = sites.find((a) => a.consumers.includes(name));
    return {
      index,
      name,
      opType: l.node.opType,
      weight: stats(weights.get(name)),
      actTensor: site?.tensor ?? null,
      act: stats(site ? acts.get(site.tensor) : undefined),
    };
  });
}
