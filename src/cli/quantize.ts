// `quant-studio quantize`: calibrate a float model on a folder of images, write the QDQ ONNX model
// and, with --eval, report float, quantized (studio fake-quant) and onnxruntime top-1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openImageSet } from '../data/image-set-node';
import { adapterLabel } from '../gpu/gpu';
import { nodeGpu } from '../gpu/node-gpu';
import { webgpuFallbacks } from '../quant/export-qdq';
import type { Output } from './eval';
import { floatTop1, openModel, quantConfig, quantizeAndEvaluate, type PtqProgress } from './ptq';
import type { QuantizeArgs } from './quantize-args';
import { agreement, top1Rate, type Top1 } from './top1';
import { RECON_DEFAULTS, type ReconConfig, type ReconMethod } from '../recon/reconstruct';
import { checkpointPath, runIdentity, type Checkpoint } from './checkpoint';


export interface QuantizeResult {
  model: string;
  w: number;
  a: number;
  method: ReconMethod;
  iters: number | null;
  drop: number | null;
  inputDrop: number | null;
  seed: number | null;
  blocks: number;
  reconSeconds: number;
  observer: string;
  wObserver: string;
  calibImages: number;
  /** Top-1 as fractions; null without --eval (or labels), top1Onnx also without onnxruntime-node. */
  top1Float: number | null;
  top1Quant: number | null;
  top1Onnx: number | null;
  evalImages: number;
  opset: 13 | 21;
  out: string;
  calibSeconds: number;
  seconds: number;
}

const pad = (s: string) => s.padEnd(12);
const pct = (t: Top1 | null) => (t && t.labeled ? `${((100 * t.correct) / t.labeled).toFixed(2)} % (${t.correct}/${t.labeled})` : 'n/a (no labels)');
const plural = (n: number, s: string) => `${n} ${s}${n === 1 ? '' : 's'}`;
const round1 = (x: number) => Math.round(x * 10) / 10;

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

export async function runQuantize(args: QuantizeArgs, out: Output): Promise<QuantizeResult> {
  const start = performance.now();
  const gpu = await nodeGpu();
  const m = await openModel(gpu, args.model, args.preset);
  const config = quantConfig({ ...args, calibCount: args.calibCount });
  const batch = m.fixedBatch ?? args.batch ?? 32;
  const calib = openImageSet(args.calib, m.preset, { limit: args.calibCount });
  const evalSet = args.eval ? openImageSet(args.eval, m.preset, { limit: args.evalCount, labelsFile: args.labels }) : undefined;
  const sym = (s: boolean) => (s ? 'symmetric' : 'asymmetric');

  out.info(`${pad('model')}${m.name}: input "${m.input}" [${m.inputInfo.shape.join(', ')}], output "${m.output}" [${m.outputInfo.shape.join(', ')}]`);
  out.info(`${pad('adapter')}${adapterLabel(gpu.adapter)}`);
  out.info(`${pad('preset')}${m.preset.id}: ${m.preset.label}${m.presetGuessed ? ' (from the input shape)' : ''}`);
  out.info(
    `${pad('quantize')}W${config.wBits}A${config.aBits}, ${args.method === 'nearest' ? 'round to nearest' : `${args.method} rounding`}; weights per-${config.wGranularity} ${sym(config.wSymmetric)} (${config.wObserver}), ` +
      `activations per-tensor ${sym(config.aSymmetric)} (${config.aObserver}); first/last layer ${config.firstLast8bit ? '8-bit' : `W${config.wBits} like the others`}`,
  );
  out.info(`${pad('calibration')}${calib.count} images from ${args.calib}${calib.count < args.calibCount ? ` (all it holds; --calib-count ${args.calibCount})` : ''}`);
  if (evalSet) out.info(`${pad('evaluation')}${evalSet.count} images from ${args.eval}; labels: ${evalSet.labelSource}`);

  const recon = args.method !== 'nearest';
  const cfg: ReconConfig = { ...RECON_DEFAULTS, method: args.method, iters: args.iters, drop: args.drop, inputDrop: args.inputDrop, seed: args.seed, batch: args.reconBatch, earlyStop: args.earlyStop, cacheMiB: args.cacheMiB, cachePrecision: args.cachePrecision };
  if (recon) {
    out.info(`${pad('reconstruct')}${args.method}: ${args.iters} iterations per block, batch ${cfg.batch}, drop p ${cfg.drop}, input p ${cfg.inputDrop}, seed ${cfg.seed}, λ ${cfg.lambda}, β ${cfg.betaStart}→${cfg.betaEnd}${cfg.earlyStop ? ', early stop' : ''}; caches ${cfg.cachePrecision === 'auto' ? `float32, float16 above ${cfg.cacheMiB} MiB` : `${cfg.cachePrecision === 'f16' ? 'float16' : 'float32'} within ${cfg.cacheMiB} MiB`}`);
  }
  const progress = progressWithEta(out);
  let resumed = false;
  const checkpoint =
    recon && args.checkpoint
      ? {
          dir: args.checkpoint,
          resume: args.resume,
          identity: runIdentity(m.bytes, args.model, config, cfg, args.calib, calib),
          onResume: (c: Checkpoint) => {
            resumed = true;
            out.info(`${pad('resume')}${checkpointPath(args.checkpoint!)}: ${c.nextBlock} of ${c.blocks} blocks done (saved ${c.savedAt}); calibration and finished blocks taken from it`);
          },
        }
      : undefined;
  if (checkpoint) out.info(`${pad('checkpoint')}after every block to ${checkpointPath(checkpoint.dir)}${args.resume ? ' (resuming it if present)' : ''}`);
  let blockStart = 0;
  let blockLabel = '';
  const float = evalSet ? (await floatTop1(m, evalSet, batch, progress)).studio : null;
  if (float) out.result(`${pad('float')}top-1 ${pct(float)}`);
  const r = await quantizeAndEvaluate(m, config, {
    calib,
    evalSet,
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
            onLoss: (_b, pts, done) => {
              const last = pts[pts.length - 1];
              const rate = (performance.now() - blockStart) / 1000 / done;
              out.progress?.(`${pad('block')}${blockLabel}: ${done}/${cfg.iters} loss ${last.rec.toPrecision(4)} round ${last.reg.toPrecision(4)} · ${(1 / rate).toFixed(1)} it/s · ETA ${Math.ceil(rate * (cfg.iters - done))} s`);
            },
            onBlockEnd: (sum) => {
              const early = sum.iters < cfg.iters ? `, stopped early after ${sum.iters} iterations` : '';
              out.result(`${pad('block')}${blockLabel}: loss ${sum.firstLoss.toPrecision(4)} → ${sum.lastLoss.toPrecision(4)} in ${sum.seconds.toFixed(1)} s (${(sum.iters / sum.seconds).toFixed(1)} it/s, ${sum.cache} caches${early})`);
            },
          },
        }
      : undefined,
    checkpoint,
    onExported: (bytes, state, calibSeconds) => {
      out.result(`${pad('calibrated')}${plural(state.weights.length, 'weight tensor')}, ${plural(state.acts.length, 'activation quantizer')} ${resumed ? 'from the checkpoint' : `in ${calibSeconds.toFixed(1)} s`}`);
      mkdirSync(dirname(args.out) || '.', { recursive: true });
      writeFileSync(args.out, bytes);
      out.result(`${pad('wrote')}${args.out} (QDQ, opset ${Math.max(args.opset, m.session.opset)}, ${(bytes.length / 1024).toFixed(0)} KiB)`);
    },
  });
  if (r.quant) out.result(`${pad('quantized')}top-1 ${pct(r.quant)} in the studio${float ? `; agrees with float on ${agreement(float, r.quant)}/${r.quant.images}` : ''}`);
  if (r.onnx && r.quant) out.result(`${pad('onnxruntime')}top-1 ${pct(r.onnx)} on ${args.out}; agrees with the studio on ${agreement(r.quant, r.onnx)}/${r.onnx.images}`);
  if (r.onnxMissing) out.info(`${pad('onnxruntime')}not measured: onnxruntime-node is not installed (npm install onnxruntime-node)`);
  for (const line of webgpuFallbacks(r.state, args.opset)) out.info(`${pad('ort-web')}${line}`);
  const seconds = (performance.now() - start) / 1000;
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
    calibImages: calib.count,
    top1Float: top1Rate(float),
    top1Quant: top1Rate(r.quant),
    top1Onnx: top1Rate(r.onnx),
    evalImages: evalSet?.count ?? 0,
    opset: args.opset,
    out: args.out,
    calibSeconds: round1(r.calibSeconds),
    seconds: round1(seconds),
  };
}
