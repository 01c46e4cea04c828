// `quant-studio quantize`: calibrate a float model on a folder of images, write the QDQ ONNX model
// and, with --eval, report float, quantized (studio fake-quant) and onnxruntime top-1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openImageSet } from '../data/image-set-node';
import { adapterLabel } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import { webgpuFallbacks } from '../quant/export-qdq';
import { place } from '../quant/placement';
import type { Output } from './eval';
import { openModel, quantConfig, quantizeAndEvaluate, type PtqProgress } from './ptq';
import { batchOf, fidelityLines, modelLine } from './io-report';
import { fidelityJson, isClassifier, type OutputFidelity } from '../quant/fidelity';
import type { QuantizeArgs, QuantizeMethod } from './quantize-args';
import { lastInput8bit, NOISE_IMAGES, squantAlpha } from '../quant/data-free';
import { agreement, top1Rate, type Top1 } from './top1';
import { RECON_DEFAULTS, type ReconConfig, type ReconMethod } from '../recon/reconstruct';
import { checkpointPath, runIdentity, type Checkpoint } from './checkpoint';
import type { Gpu } from '../gpu/gpu';
import { planRunCaches, type RunCachePlan } from '../recon/cache-plan';


export interface QuantizeResult {
  model: string;
  w: number;
  a: number;
  method: QuantizeMethod;
  iters: number | null;
  drop: number | null;
  inputDrop: number | null;
  seed: number | null;
  blocks: number;
  reconSeconds: number;
  observer: string;
  wObserver: string;
  /** Weight grid: uniform or apot. */
  wLevels: string;
  calibImages: number;
  /** No --calib: activation ranges from the noise pass. */
  dataFree: boolean;
  /** --method squant: GPU time of the whole model and of each layer (ms), weights moved off nearest. */
  squantMs: number | null;
  squantLayers: { node: string; ms: number; moved: number; weights: number }[] | null;
  /** Conv/Gemm/MatMul/ConvTranspose nodes whose weights stay float, and why (overrides included). */
  floatLayers: { name: string; opType: string; reason: string }[];
  /** Top-1 as fractions; null without --eval (or labels), top1Onnx also without onnxruntime-node. */
  top1Float: number | null;
  top1Quant: number | null;
  top1Onnx: number | null;
  evalImages: number;
  /** With --eval: per output name, the quantized (studio) model's fidelity to the float one. */
  fidelity: Record<string, Omit<OutputFidelity, 'name'>> | null;
  /** With --eval and onnxruntime-node: per output name, onnxruntime's outputs on the exported file against the studio's (with or without labels). */
  exportFidelity: Record<string, Omit<OutputFidelity, 'name'>> | null;
  /** With --method adaround/brecq/qdrop: each block's cache storage and MiB, planned before calibration. */
  cachePlan: { images: number; budgetMiB: number; peakMiB: number; blocks: { name: string; precision: 'f32' | 'f16' | null; mib: number; skipped?: string }[] } | null;
  opset: 13 | 21;
  out: string;
  calibSeconds: number;
  /** The most GPU buffer memory the run held at once, MiB. */
  gpuPeakMiB: number;
  seconds: number;
}

const pad = (s: string) => s.padEnd(12);
const pct = (t: Top1 | null) => (t && t.labeled ? `${((100 * t.correct) / t.labeled).toFixed(2)} % (${t.correct}/${t.labeled})` : 'n/a (no labels)');
const plural = (n: number, s: string) => `${n} ${s}${n === 1 ? '' : 's'}`;
const round1 = (x: number) => Math.round(x * 10) / 10;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The cache plan in lines: one per distinct block size and precision (in order of first use), then the peak. */
function cachePlanLines(p: RunCachePlan): string[] {
  const groups = new Map<string, string[]>();
  for (const b of p.blocks) {
    if (b.skipped) continue;
    const key = `${mib(b.bytes)} MiB ${b.precision === null ? 'does not fit' : b.precision === 'f16' ? 'float16' : 'float32'}`;
    groups.set(key, [...(groups.get(key) ?? []), b.name]);
  }
  const names = (ns: string[]) => (ns.length > 3 ? `${ns.slice(0, 2).join(', ')} … ${ns[ns.length - 1]}` : ns.join(', '));
  const head = `${plural(p.count, 'image')} cached per block within ${mib(p.budget)} MiB`;
  return [head, ...[...groups].map(([k, ns]) => `${k}${ns.length > 1 ? ` × ${ns.length}` : ''}: ${names(ns)}`), `peak ${mib(p.peak)} MiB`, ...p.blocks.filter((b) => b.skipped).map((b) => `${b.name}: none, ${b.skipped}`)];
}

/** Progress with an ETA per phase, from the rate since the phase's first report: "calibrate   12/40 (activations) · ETA 9 s". */
function progressWithEta(out: Output): PtqProgress {
  let phase = '';
  let t0 = 0;
  let d0 = 0;
  return (p, done, total, detail) => {
    if (p !== phase || done < d0) [phase, t0, d0] = [p, performance.now(), done];
    const rate = (performance.now() - t0) / 1000 / (done - d0);
    const eta = done > d0 && done < total ? ` · ETA ${Math.ceil(rate * (total - done))} s` : '';
    out.progress?.(`${pad(p)}${done}/${total}${detail ? ` (${detail})` : ''}${eta}`);
  };
}

/** Tests only (no flag reaches it): called after each loss read-back with the run's current device, e.g. to destroy it. */
export interface QuantizeHooks {
  afterLoss?: (gpu: Gpu, block: number, itersDone: number) => void;
}

export async function runQuantize(args: QuantizeArgs, out: Output, hooks: QuantizeHooks = {}): Promise<QuantizeResult> {
  const start = performance.now();
  const gpu = await nodeGpu();
  const m = await openModel(gpu, args.model, args.preset, args.inputShape);
  // SQuant's policy (and the data-free one): the last layer's input 8-bit even when its weights are not
  const base = quantConfig({ ...args, calibCount: args.actCalibCount });
  const config = args.method === 'squant' || !args.calib ? lastInput8bit(m.session.graph, base) : base;
  const batch = batchOf(m, args.batch, args.inputShape);
  const calib = args.calib ? openImageSet(args.calib, m.preset, { limit: args.calibCount }) : undefined;
  const evalSet = args.eval ? openImageSet(args.eval, m.preset, { limit: args.evalCount, labelsFile: args.labels }) : undefined;
  const sym = (s: boolean) => (s ? 'symmetric' : 'asymmetric');

  out.info(`${pad('model')}${modelLine(m, batch)}`);
  out.info(`${pad('adapter')}${adapterLabel(gpu.adapter)}`);
  out.info(`${pad('preset')}${m.preset.id}: ${m.preset.label}${m.presetGuessed ? ' (from the input shape)' : ''}`);
  out.info(
    `${pad('quantize')}W${config.wBits}A${config.aBits}, ${args.method === 'nearest' ? 'round to nearest' : args.method === 'squant' ? 'SQuant rounding (E → K → C)' : `${args.method} rounding`}; weights per-${config.wGranularity} ${config.wLevels === 'apot' ? 'APoT (α by APoT MSE search; 2/8-bit layers uniform)' : `${sym(config.wSymmetric)} (${config.wObserver})`}, ` +
      `activations per-tensor ${sym(config.aSymmetric)} (${config.aObserver}); first/last layer ${config.firstLast8bit ? '8-bit' : `W${config.wBits} like the others`}`,
  );
  const placement = place(m.session.graph, config);
  const floatLayers = placement.float.map((f) => ({ name: f.name, opType: f.opType, reason: f.reason }));
  out.info(`${pad('layers')}${plural(placement.layers.length + placement.float.length - placement.layers.filter((l) => l.float).length, 'weighted layer')}, ${placement.layers.filter((l) => !l.float).length} quantized${floatLayers.length ? `, ${floatLayers.length} left float:` : ''}`);
  for (const f of floatLayers) out.info(`${pad('')}${f.name} (${f.opType}): ${f.reason}`);
  if (calib) {
    const acts = Math.min(calib.count, args.actCalibCount);
    out.info(`${pad('calibration')}${calib.count} images from ${args.calib}${calib.count < args.calibCount ? ` (all it holds; --calib-count ${args.calibCount})` : ''}${acts < calib.count ? `; activation ranges from the first ${acts} (--act-calib)` : ''}`);
  }
  else out.info(`${pad('calibration')}data-free: activation ranges α·σ (α ${squantAlpha(config.aBits)}) from one forward pass of ${NOISE_IMAGES} uniform-noise inputs, as SQuant; the ${config.aObserver} observer is unused`);
  if (evalSet) out.info(`${pad('evaluation')}${evalSet.count} images from ${args.eval}; labels: ${evalSet.labelSource}`);

  const recon = args.method !== 'nearest' && args.method !== 'squant';
  const cfg: ReconConfig = { ...RECON_DEFAULTS, method: recon ? (args.method as ReconMethod) : 'nearest', iters: args.iters, drop: args.drop, inputDrop: args.inputDrop, seed: args.seed, batch: args.reconBatch, earlyStop: args.earlyStop, cacheMiB: args.cacheMiB, cachePrecision: args.cachePrecision };
  if (recon) {
    out.info(`${pad('reconstruct')}${args.method}: ${args.iters} iterations per block, batch ${cfg.batch}, drop p ${cfg.drop}, input p ${cfg.inputDrop}, seed ${cfg.seed}, λ ${cfg.lambda}, β ${cfg.betaStart}→${cfg.betaEnd}${cfg.earlyStop ? ', early stop' : ''}; caches ${cfg.cachePrecision === 'auto' ? `float32, float16 above ${cfg.cacheMiB} MiB` : `${cfg.cachePrecision === 'f16' ? 'float16' : 'float32'} within ${cfg.cacheMiB} MiB`}`);
  }
  // the caches of every block against the budget before calibration: a run that cannot fit stops here
  const plan = recon && calib ? planRunCaches(m.session, config, cfg.method, { ...cfg, count: calib.count }) : null;
  for (const line of plan ? cachePlanLines(plan) : []) out.info(`${pad('caches')}${line}`);
  if (plan?.error) throw plan.error;
  const progress = progressWithEta(out);
  let resumed = false;
  const checkpoint =
    recon && args.checkpoint
      ? {
          dir: args.checkpoint,
          resume: args.resume,
          identity: runIdentity(m.bytes, args.model, config, cfg, args.calib!, calib!),
          onResume: (c: Checkpoint) => {
            resumed = true;
            out.info(`${pad('resume')}${checkpointPath(args.checkpoint!)}: ${c.nextBlock} of ${c.blocks} blocks done (saved ${c.savedAt}); calibration and finished blocks taken from it`);
          },
        }
      : undefined;
  if (checkpoint) out.info(`${pad('checkpoint')}after every block to ${checkpointPath(checkpoint.dir)}${args.resume ? ' (resuming it if present)' : ''}`);
  let blockStart = 0;
  let blockLabel = '';
  const r = await quantizeAndEvaluate(m, config, {
    calib,
    squant: args.method === 'squant',
    evalSet,
    fidelity: true,
    opset: args.opset,
    batch,
    progress,
    recon: recon
      ? {
          cfg,
          events: {
            onBlockStart: (b, i, n) => {
              blockStart = performance.now();
              blockLabel = `${i + 1}/${n} ${b.name}`;
              out.progress?.(`${pad('block')}${blockLabel}: caching inputs`);
            },
            onLoss: (b, pts, done) => {
              hooks.afterLoss?.(m.session.gpu, b.index, done);
              const last = pts[pts.length - 1];
              const rate = (performance.now() - blockStart) / 1000 / done;
              out.progress?.(`${pad('block')}${blockLabel}: ${done}/${cfg.iters} loss ${last.rec.toPrecision(4)} round ${last.reg.toPrecision(4)} · ${(1 / rate).toFixed(1)} it/s · ETA ${Math.ceil(rate * (cfg.iters - done))} s`);
            },
            onBlockEnd: (sum) => {
              if (sum.skipped) return out.result(`${pad('block')}${blockLabel}: passed over, ${sum.skipped}`);
              const early = sum.iters < cfg.iters ? `, stopped early after ${sum.iters} iterations` : '';
              out.result(`${pad('block')}${blockLabel}: loss ${sum.firstLoss.toPrecision(4)} → ${sum.lastLoss.toPrecision(4)} in ${sum.seconds.toFixed(1)} s (${(sum.iters / sum.seconds).toFixed(1)} it/s, ${sum.cache} caches${early})`);
            },
          },
        }
      : undefined,
    checkpoint,
    recover: { newGpu: nodeGpu, onRecover: (message) => out.info(`${pad('gpu')}${message}`) },
    onExported: (bytes, state, calibSeconds) => {
      out.result(`${pad('calibrated')}${plural(state.weights.length, 'weight tensor')}, ${plural(state.acts.length, 'activation quantizer')} ${resumed ? 'from the checkpoint' : `in ${calibSeconds.toFixed(1)} s`}`);
      mkdirSync(dirname(args.out) || '.', { recursive: true });
      writeFileSync(args.out, bytes);
      out.result(`${pad('wrote')}${args.out} (QDQ, opset ${Math.max(args.opset, m.session.opset)}, ${(bytes.length / 1024).toFixed(0)} KiB)`);
    },
  });
  if (r.squant) {
    const ms = r.squant.reduce((a, l) => a + l.ms, 0);
    const moved = r.squant.reduce((a, l) => a + l.moved, 0);
    const slow = r.squant.reduce((a, l) => (l.ms > a.ms ? l : a));
    out.result(`${pad('squant')}${plural(r.squant.length, 'layer')} in ${ms.toFixed(1)} ms of GPU work (slowest ${slow.node} ${slow.ms.toFixed(1)} ms); ${moved} of ${r.squant.reduce((a, l) => a + l.weights, 0)} weights moved off round to nearest`);
  }
  const float = r.float ?? null;
  // top-1 means something with labels or for class scores [N, K]; other outputs are judged by their fidelity alone
  const top1Lines = !!r.quant && (r.quant.labeled > 0 || isClassifier(m.outputInfo.shape));
  if (float && top1Lines) out.result(`${pad('float')}top-1 ${pct(float)}`);
  if (r.quant && top1Lines) out.result(`${pad('quantized')}top-1 ${pct(r.quant)} in the studio${float ? `; agrees with float on ${agreement(float, r.quant)}/${r.quant.images}` : ''}`);
  if (r.onnx && r.quant && top1Lines) out.result(`${pad('onnxruntime')}top-1 ${pct(r.onnx)} on ${args.out}; agrees with the studio on ${agreement(r.quant, r.onnx)}/${r.onnx.images}`);
  if (r.onnxMissing) out.info(`${pad('onnxruntime')}not measured: onnxruntime-node is not installed (npm install onnxruntime-node)`);
  for (const line of fidelityLines(r.fidelity ?? [], pad('fidelity'))) out.result(line);
  // what onnxruntime computes on the file against what the studio showed, per output (labels or not)
  for (const line of fidelityLines(r.exportFidelity ?? [], pad('ort=studio'))) out.result(line);
  for (const line of webgpuFallbacks(r.state, args.opset)) out.info(`${pad('ort-web')}${line}`);
  const seconds = (performance.now() - start) / 1000;
  // the most GPU memory this run's buffers held at once (model, calibration, caches, block programs)
  const gpuPeakMiB = round1(m.session.gpu.peakBytes / 2 ** 20);
  out.result(`${pad('memory')}GPU buffers peaked at ${gpuPeakMiB} MiB`);
  out.result(`${pad('time')}${seconds.toFixed(1)} s`);
  return {
    model: m.name,
    w: config.wBits,
    a: config.aBits,
    method: args.method,
    iters: recon ? args.iters : null,
    drop: recon ? args.drop : null,
    inputDrop: recon ? args.inputDrop : null,
    seed: recon ? args.seed : null,
    blocks: r.blocks,
    reconSeconds: round1(r.reconSeconds),
    observer: config.aObserver,
    wObserver: config.wObserver,
    wLevels: config.wLevels ?? 'uniform',
    calibImages: calib?.count ?? 0,
    dataFree: !calib,
    squantMs: r.squant ? round1(r.squant.reduce((a, l) => a + l.ms, 0)) : null,
    squantLayers: r.squant?.map((l) => ({ node: l.node, ms: round1(l.ms), moved: l.moved, weights: l.weights })) ?? null,
    floatLayers,
    top1Float: top1Rate(float),
    top1Quant: top1Rate(r.quant),
    top1Onnx: top1Rate(r.onnx),
    evalImages: evalSet?.count ?? 0,
    fidelity: r.fidelity ? fidelityJson(r.fidelity) : null,
    exportFidelity: r.exportFidelity ? fidelityJson(r.exportFidelity) : null,
    cachePlan: plan && { images: plan.count, budgetMiB: cfg.cacheMiB, peakMiB: round1(plan.peak / 2 ** 20), blocks: plan.blocks.map((b) => ({ name: b.name, precision: b.precision, mib: round1(b.bytes / 2 ** 20), ...(b.skipped ? { skipped: b.skipped } : {}) })) },
    opset: args.opset,
    out: args.out,
    calibSeconds: round1(r.calibSeconds),
    gpuPeakMiB,
    seconds: round1(seconds),
  };
}
