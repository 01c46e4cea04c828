// The post-training quantization pipeline shared by `quant-studio quantize` and the accuracy
// bench: open a model, calibrate on images, export QDQ, top-1 of the studio and of onnxruntime.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { ImageBatch, ImageSet } from '../data/image-set-node';
import { PRESETS, type Preset } from '../data/presets';
import { resolveInputPreset, type InputShape } from '../data/input-size';
import { StudioError } from '../engine/errors';
import { Session } from '../engine/session';
import type { HostTensor, ValueSummary } from '../engine/types';
import type { Gpu } from '../gpu/gpu';
import { calibrate } from '../quant/calibrate';
import { calibrateDataFree } from '../quant/data-free';
import { squantWeights, type SquantLayer } from '../quant/squant';
import { exportQdq } from '../quant/export-qdq';
import { DEFAULT_CONFIG, type ObserverKind, type QuantConfig, type QuantState, type WeightLevels } from '../quant/types';
import { engineTop1, onnxruntimeTop1, type ModelIo, type Top1 } from './top1';
import { compareOutputs, engineRunner, ortRunner } from './output-fidelity';
import type { OutputFidelity } from '../quant/fidelity';
import { reconBlocks, reconstruct, type ReconConfig, type ReconEvents } from '../recon/reconstruct';
import { readRegularFile } from '../data/read-file-node';
import { checkpointPath, loadCheckpoint, saveCheckpoint, type BlockRecord, type Checkpoint, type RunIdentity } from './checkpoint';
import { Recoverer, type RecoveryOptions, type ResumePoint } from './recover';

export interface PtqModel extends ModelIo {
  session: Session;
  name: string;
  bytes: Uint8Array;
  inputInfo: ValueSummary;
  outputInfo: ValueSummary;
  preset: Preset;
  presetGuessed: boolean;
}

/** Load a float model and choose its preprocessing (the preset given, or one from the input shape; `size` for a dynamic H/W). */
export async function openModel(gpu: Gpu, path: string, presetId?: keyof typeof PRESETS, size?: InputShape): Promise<PtqModel> {
  const name = basename(path);
  const bytes = readRegularFile(path, 'model', name);
  const session = await Session.load(gpu, bytes, name);
  const inputInfo = session.summary.inputs[0];
  const outputInfo = session.summary.outputs[0];
  if (!inputInfo || !outputInfo) throw new StudioError('bad-input', `${name} has no graph inputs or outputs to evaluate`, name);
  const { preset } = resolveInputPreset(inputInfo.shape, inputInfo.name, { presetId, size, how: (ex) => `give it with --input-shape, e.g. --input-shape ${ex}` });
  if (size) session.setInputShape(inputInfo.name, [1, preset.channels, preset.height, preset.width]);
  const fixedBatch = typeof inputInfo.shape[0] === 'number' ? inputInfo.shape[0] : undefined;
  return { session, name, bytes, inputInfo, outputInfo, preset, presetGuessed: !presetId, input: inputInfo.name, output: outputInfo.name, fixedBatch };
}

export interface PtqOptions {
  wBits: number;
  aBits: number;
  observer: ObserverKind;
  wObserver?: ObserverKind;
  /** Weight grid; 'uniform' (the default) leaves QuantConfig.wLevels absent. */
  wLevels?: WeightLevels;
  percentile?: number;
  perTensor?: boolean;
  symmetric?: boolean;
  actSymmetric?: boolean;
  firstLast8bit?: boolean;
  calibCount: number;
}

export function quantConfig(o: PtqOptions): QuantConfig {
  return {
    ...DEFAULT_CONFIG,
    wBits: o.wBits,
    aBits: o.aBits,
    wObserver: o.wObserver ?? o.observer,
    aObserver: o.observer,
    percentile: o.percentile ?? DEFAULT_CONFIG.percentile,
    wGranularity: o.perTensor ? 'tensor' : 'channel',
    wSymmetric: !!o.symmetric,
    aSymmetric: !!o.actSymmetric,
    firstLast8bit: o.firstLast8bit ?? true,
    overrides: {},
    calibCount: o.calibCount,
    ...(o.wLevels === 'apot' ? { wLevels: 'apot' as const } : {}),
  };
}

export type PtqPhase = 'calibrate' | 'float' | 'quantized' | 'onnxruntime';
/** Progress of a phase; `detail` is e.g. "activations, pass 2" or "top-1 91.2 %". */
export type PtqProgress = (phase: PtqPhase, done: number, total: number, detail?: string) => void;

/** A fixed-size batch input gets its last batch filled up by repeating its images (ranges stay those of real data). */
function calibFeed(b: ImageBatch, fixedBatch?: number): HostTensor {
  const n = b.shape[0];
  if (fixedBatch === undefined || fixedBatch === n) return { data: b.data, shape: b.shape };
  const per = b.data.length / n;
  const data = new Float32Array(per * fixedBatch);
  for (let i = 0; i < fixedBatch; i++) data.set(b.data.subarray((i % n) * per, (i % n + 1) * per), i * per);
  return { data, shape: [fixedBatch, ...b.shape.slice(1)] };
}

/** Calibrate (weights, then activation ranges streamed over the calibration images); sets the session's fake-quant graph. */
export async function calibrateOn(m: PtqModel, config: QuantConfig, calib: ImageSet, batch: number, progress?: PtqProgress): Promise<{ state: QuantState; seconds: number }> {
  const size = m.fixedBatch ?? batch;
  const start = performance.now();
  const state = await calibrate(m.session, config, {
    batches: function* () {
      for (const b of calib.batches(size)) yield calibFeed(b, m.fixedBatch);
    },
    batchCount: Math.ceil(Math.min(calib.count, config.calibCount) / size),
    onProgress: (p) => progress?.('calibrate', p.done, p.total, p.phase === 'weights' ? 'weights' : `activations${p.pass ? `, pass ${p.pass + 1}` : ''}`),
  });
  return { state, seconds: (performance.now() - start) / 1000 };
}

/** Data-free calibration (no images): activation ranges from SQuant's noise pass (src/quant/data-free.ts). */
export async function calibrateNoise(m: PtqModel, config: QuantConfig, batch: number, progress?: PtqProgress): Promise<{ state: QuantState; seconds: number }> {
  const start = performance.now();
  const state = await calibrateDataFree(m.session, config, {
    batch: m.fixedBatch ?? batch,
    onProgress: (p) => progress?.('calibrate', p.done, p.total, p.phase === 'weights' ? 'weights' : 'activations, noise'),
  });
  return { state, seconds: (performance.now() - start) / 1000 };
}

const rateDetail = (top1: number | null) => (top1 === null ? undefined : `top-1 ${(100 * top1).toFixed(2)} %`);

/** Float top-1 of the engine and, with onnx, of onnxruntime on the original file. */
export async function floatTop1(m: PtqModel, set: ImageSet, batch: number, progress?: PtqProgress, onnx = false): Promise<{ studio: Top1; onnx: Top1 | null }> {
  const studio = await engineTop1(m.session, m, set, { batch, onProgress: (d, t, r) => progress?.('float', d, t, rateDetail(r)) });
  const ort = onnx ? await onnxruntimeTop1(m.bytes, m, set, { batch, onProgress: (d, t, r) => progress?.('onnxruntime', d, t, rateDetail(r)) }) : null;
  return { studio, onnx: ort };
}

export interface PtqRun {
  /** Calibration images; absent: data-free (weights alone, activation ranges from a noise pass). */
  calib?: ImageSet;
  /** Round the weights with SQuant (E → K → C) after calibration. */
  squant?: boolean;
  /** Labelled images for the quantized (studio) and onnxruntime top-1. */
  evalSet?: ImageSet;
  opset: 13 | 21;
  batch: number;
  progress?: PtqProgress;
  /** Also run the float model on evalSet: its top-1 and every output's fidelity (PtqResult.float, .fidelity). */
  fidelity?: boolean;
  /** Called with the exported model before it is evaluated (e.g. to write it). */
  onExported?: (bytes: Uint8Array, state: QuantState, calibSeconds: number) => void;
  /** Reconstruction after calibration (AdaRound / BRECQ / QDrop); absent or 'nearest' = none. */
  recon?: { cfg: ReconConfig; events?: ReconEvents };
  /** Write the run's state after every reconstructed block to dir (src/cli/checkpoint.ts); with resume, continue the checkpoint there. */
  checkpoint?: { dir: string; resume: boolean; identity: RunIdentity; onResume?: (c: Checkpoint) => void };
  /** Recreate a lost GPU device and continue (src/cli/recover.ts); absent: a lost device ends the run. */
  recover?: RecoveryOptions;
}

export interface PtqResult {
  state: QuantState;
  /** The exported QDQ model. */
  bytes: Uint8Array;
  calibSeconds: number;
  reconSeconds: number;
  /** Blocks reconstructed (0 for nearest). */
  blocks: number;
  quant: Top1 | null;
  /** With run.fidelity: the float model's top-1 on evalSet and each output's fidelity of the quantized model to it. */
  float?: Top1;
  fidelity?: OutputFidelity[];
  /** With run.fidelity and onnxruntime-node: each output of onnxruntime on `bytes` against the studio's fake-quant one. */
  exportFidelity?: OutputFidelity[];
  /** onnxruntime-node on `bytes`; null without evalSet or without onnxruntime-node. */
  onnx: Top1 | null;
  onnxMissing: boolean;
  /** With a checkpoint: the calibration's seconds and every finished block, also those of earlier sessions before a resume. */
  history: { calibSeconds: number; blocks: BlockRecord[]; resumedAt: number } | null;
  /** With run.squant: each layer's GPU time and how many weights moved off round to nearest. */
  squant?: SquantLayer[];
}

/** Calibrate, export the QDQ model and (with evalSet) measure its top-1 in the studio and in onnxruntime. */
export async function quantizeAndEvaluate(m: PtqModel, config: QuantConfig, run: PtqRun): Promise<PtqResult> {
  const recon = run.recon && run.recon.cfg.method !== 'nearest' ? run.recon : undefined;
  const ck = recon ? run.checkpoint : undefined;
  const saved = ck?.resume ? loadCheckpoint(ck.dir, ck.identity) : null;
  if (ck && !ck.resume && existsSync(checkpointPath(ck.dir))) {
    throw new StudioError('bad-input', `${checkpointPath(ck.dir)} already holds a checkpoint; add --resume to continue it, or choose another --checkpoint folder`, ck.dir);
  }
  if (saved) ck?.onResume?.(saved);
  // A resumed run takes the calibration and the finished blocks from the checkpoint.
  const calib = run.calib;
  if (recon && !calib) throw new StudioError('bad-input', `${recon.cfg.method} reconstructs on calibration images; none were given`);
  const recoverer = new Recoverer(m, run.recover);
  const calibrated = saved
    ? { state: saved.state, seconds: 0 }
    : await recoverer.run(
        'calibration',
        () => (calib ? calibrateOn(m, config, calib, run.batch, run.progress) : calibrateNoise(m, config, run.batch, run.progress)),
        () => 'started the calibration again',
        () => 'Run the command again.',
      );
  const seconds = calibrated.seconds;
  let state = calibrated.state;
  const squant = run.squant ? await squantWeights(m.session, state) : undefined;
  if (squant) state = squant.state;
  let reconSeconds = 0;
  let blocks = 0;
  let history: PtqResult['history'] = null;
  if (recon) {
    const t0 = performance.now();
    const size = m.fixedBatch ?? run.batch;
    blocks = reconBlocks(m.session, state, recon.cfg.method).length;
    let current = saved?.nextBlock ?? 0;
    const done: BlockRecord[] = [...(saved?.done ?? [])];
    let finished: ResumePoint = { block: saved?.nextBlock ?? 0, state };
    // after a lost device: the checkpoint's last finished block, or the state kept in memory
    const resumeFrom = (): ResumePoint => {
      const c = ck && existsSync(checkpointPath(ck.dir)) ? loadCheckpoint(ck.dir, ck.identity) : null;
      return c ? { block: c.nextBlock, state: c.state } : finished;
    };
    const events: ReconEvents = {
      ...recon.events,
      onBlockStart: (b, i, n) => {
        current = i;
        recon.events?.onBlockStart?.(b, i, n);
      },
      onBlockEnd: async (summary, st) => {
        await recon.events?.onBlockEnd?.(summary, st);
        done.push({ block: summary.block.name, iters: summary.iters, seconds: summary.seconds, cacheSeconds: summary.cacheSeconds, firstLoss: summary.firstLoss, lastLoss: summary.lastLoss, ...(summary.skipped ? { skipped: summary.skipped } : {}) });
        finished = { block: current + 1, state: st };
        if (ck) saveCheckpoint(ck.dir, { identity: ck.identity, nextBlock: current + 1, blocks, calibSeconds: saved?.calibSeconds ?? seconds, done, state: st });
      },
    };
    const attempt = () => {
      const from = resumeFrom();
      const batches = function* () {
        for (const b of calib!.batches(size)) yield calibFeed(b, m.fixedBatch);
      };
      return reconstruct(m.session, from.state, recon.cfg, { batches, count: calib!.count, startBlock: from.block }, events);
    };
    state = await recoverer.run(
      'reconstruction',
      attempt,
      () => `resumed at block ${resumeFrom().block + 1}${ck ? ` from ${checkpointPath(ck.dir)}` : ' from the finished blocks kept in memory'}`,
      () =>
        ck && existsSync(checkpointPath(ck.dir))
          ? `The finished blocks are saved in ${checkpointPath(ck.dir)}: run the same command with --resume to continue at block ${resumeFrom().block + 1}.`
          : `Run the command again${ck ? '' : '; with --checkpoint DIR the finished blocks are kept across runs'}.`,
    );
    reconSeconds = (performance.now() - t0) / 1000;
    if (ck) history = { calibSeconds: saved?.calibSeconds ?? seconds, blocks: done, resumedAt: saved?.nextBlock ?? 0 };
  }
  const bytes = exportQdq(m.session.model, m.session.graph, state, { opset: run.opset });
  run.onExported?.(bytes, state, seconds);
  const sq = squant ? { squant: squant.layers } : {};
  if (!run.evalSet) return { state, bytes, calibSeconds: seconds, reconSeconds, blocks, quant: null, onnx: null, onnxMissing: false, history, ...sq };
  const p = run.progress;
  // with fidelity: float, the studio's fake-quant graph and onnxruntime on the export side by side, batch by batch
  const ort = run.fidelity ? await ortRunner(bytes, m) : null;
  let cmp;
  try {
    cmp = run.fidelity
      ? await compareOutputs(run.evalSet, m, run.batch, engineRunner(m.session, m), engineRunner(m.session, m, true), (d, t, r) => p?.('quantized', d, t, rateDetail(r)), ort?.run)
      : null;
  } finally {
    await ort?.dispose();
  }
  const quant = cmp?.quant ?? (await engineTop1(m.session, m, run.evalSet, { batch: run.batch, quant: true, onProgress: (d, t, r) => p?.('quantized', d, t, rateDetail(r)) }));
  const onnx = cmp?.exported?.top1 ?? (await onnxruntimeTop1(bytes, m, run.evalSet, { batch: run.batch, onProgress: (d, t, r) => p?.('onnxruntime', d, t, rateDetail(r)) }));
  const fid = cmp ? { float: cmp.float, fidelity: cmp.fidelity, ...(cmp.exported ? { exportFidelity: cmp.exported.fidelity } : {}) } : {};
  return { state, bytes, calibSeconds: seconds, reconSeconds, blocks, quant, ...fid, onnx, onnxMissing: onnx === null, history, ...sq };
}
