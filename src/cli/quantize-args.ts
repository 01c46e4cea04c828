// Flags of `quant-studio quantize`: bits, observer, granularity, policy, calibration and
// evaluation images, output file; every mistake is a UsageError (exit code 2).
import { resolve } from 'node:path';
import { isPresetId, PRESETS } from '../data/presets';
import type { ObserverKind, WeightLevels } from '../quant/types';
import { methodDefaults, RECON_DEFAULTS, RECON_METHODS, type ReconMethod } from '../recon/reconstruct';
import type { CachePrecision } from '../recon/cache';
import { intIn, mustBeWritable, mustExist, oneOf, parseFlags, positiveInt, UsageError } from './flags';
import type { InputShape } from '../data/input-size';
import { INPUT_SHAPE_HELP, inputShapeFlag } from './io-report';

export const OBSERVERS: readonly ObserverKind[] = ['minmax', 'mse', 'percentile', 'entropy'];
/** Rounding methods: round to nearest, the reconstructions, and SQuant (data-free, src/quant/squant.ts). */
export type QuantizeMethod = ReconMethod | 'squant';
export const METHODS: readonly QuantizeMethod[] = [...RECON_METHODS, 'squant'];

export interface QuantizeArgs {
  model: string;
  /** Calibration images; absent: data-free (activation ranges from SQuant's noise pass). */
  calib?: string;
  calibCount: number;
  /** Of those, the first N set the activation ranges (DESIGN.md §2: ~256; reconstruction trains on all calibCount). */
  actCalibCount: number;
  wBits: number;
  aBits: number;
  observer: ObserverKind;
  /** Weight observer when it differs from --observer. */
  wObserver?: ObserverKind;
  /** Weight grid (--w-levels). */
  wLevels: WeightLevels;
  percentile: number;
  perTensor: boolean;
  symmetric: boolean;
  actSymmetric: boolean;
  firstLast8bit: boolean;
  opset: 13 | 21;
  out: string;
  eval?: string;
  evalCount?: number;
  labels?: string;
  preset?: keyof typeof PRESETS;
  batch?: number;
  /** --input-shape: the image size of a dynamic-H/W input. */
  inputShape?: InputShape;
  json: boolean;
  method: QuantizeMethod;
  iters: number;
  drop: number;
  inputDrop: number;
  seed: number;
  reconBatch: number;
  earlyStop: boolean;
  cacheMiB: number;
  cachePrecision: 'auto' | CachePrecision;
  /** Folder of the resumable run's checkpoint (src/cli/checkpoint.ts). */
  checkpoint?: string;
  resume: boolean;
}

export const QUANTIZE_HELP = `quantize options:
  --model FILE        the float ONNX model (image classifier, input [N, C, H, W])
  --calib PATH        calibration images: a folder of PNG/JPEG (sorted, recursive) or MNIST idx;
                      without it, data-free: activation ranges α·σ from one forward pass of
                      uniform noise (SQuant's; α 12 / 14 / 25 at A4 / A6 / A8, clipped at the
                      max below 6 bits), the last layer's input 8-bit
  --calib-count N     use the first N calibration images (default 256); reconstruction trains on
                      all of them
  --act-calib N       of those, the first N set the activation ranges (default 256, as QDrop's
                      code: model(cali_data[:256])); --act-calib all uses every one
  --w BITS            weight bits, 2..8 (default 8)
  --a BITS            activation bits, 2..8 (default 8)
  --observer KIND     ${OBSERVERS.join(' | ')} (default mse), for weights and activations
  --w-observer KIND   a different observer for the weights
  --w-levels L        uniform | apot (default uniform): the weight grid. apot = additive powers of
                      two (APoT) at 3..7 bits, α per channel from the APoT MSE search whatever
                      the observer (which then sets only the activation ranges); layers at 2 or
                      8 bits (the first/last-layer policy) stay uniform. Works with every
                      reconstruction --method; 7-bit APoT needs --opset 21 (int16 codes)
  --percentile P      the percentile observer's percentile (default 99.99)
  --per-tensor        one weight scale per tensor (default: per output channel)
  --symmetric         signed symmetric weights (default: unsigned asymmetric)
  --act-symmetric     signed symmetric activations too
  --no-first-last-8bit  quantize the first and last layer like the others (default: 8-bit,
                      except with --method squant)
  --first-last-8bit   first and last layer 8-bit with --method squant too
  --opset 13|21       13: int8/uint8 weights; 21: int4/uint4 weights when --w ≤ 4 (default 13)
  --out FILE          where to write the quantized QDQ model
  --eval PATH         evaluation images: per output, the quantized model's fidelity to the float
                      one (SQNR dB, cosine, max abs error; top-1 agreement for [N, K] outputs);
                      with labels also float, quantized (studio) and onnxruntime top-1
  --eval-count N      evaluate only the first N images of --eval
  --labels FILE       labels for --eval (as for eval)
  --preset NAME       preprocessing: ${Object.keys(PRESETS).join(' | ')} (default: from the input shape)
  --batch N           images per run (default 32)
${INPUT_SHAPE_HELP}
  --method M          ${METHODS.join(' | ')} (default nearest): rounding of the weights;
                      squant = SQuant (E → K → C flips on the GPU, no data; weights MinMax
                      unless --w-observer, every layer at --w unless --first-last-8bit);
                      adaround = layer-wise, brecq = blocks, qdrop = blocks with dropping
  --iters N           reconstruction iterations per block (default ${RECON_DEFAULTS.iters}; 2000 is close)
  --drop P            probability that an activation quantizer inside a block quantizes
                      (qdrop 0.5; brecq/adaround 1 = never dropped)
  --input-drop P      probability that a block input element is the quantized one (qdrop 0.5, else 1)
  --seed S            random seed of batch sampling and drop masks (default ${RECON_DEFAULTS.seed})
  --recon-batch N     reconstruction batch (default ${RECON_DEFAULTS.batch})
  --early-stop        end a block early once its rounding is decided and its loss is flat
  --cache-mib N       GPU memory for a block's cached inputs/outputs (default ${RECON_DEFAULTS.cacheMiB})
  --cache-precision P auto | f32 | f16 (default auto: float32 if it fits --cache-mib, else float16)
  --checkpoint DIR    save the run after every block to DIR/checkpoint.json (atomically)
  --resume            continue the run saved in --checkpoint DIR at its next block (refused
                      when it was made for another model file, settings or calibration images)
  --json              end with one JSON line {model, w, a, method, observer, calibImages,
                      top1Float, top1Quant, top1Onnx, fidelity, seconds, ...}
`;

export function parseQuantize(rest: string[]): QuantizeArgs | 'help' {
  const v = parseFlags(rest, {
    model: { type: 'string' },
    calib: { type: 'string' },
    'calib-count': { type: 'string' },
    'act-calib': { type: 'string' },
    w: { type: 'string' },
    a: { type: 'string' },
    observer: { type: 'string' },
    'w-observer': { type: 'string' },
    'w-levels': { type: 'string' },
    percentile: { type: 'string' },
    'per-tensor': { type: 'boolean', default: false },
    symmetric: { type: 'boolean', default: false },
    'act-symmetric': { type: 'boolean', default: false },
    'no-first-last-8bit': { type: 'boolean', default: false },
    'first-last-8bit': { type: 'boolean', default: false },
    opset: { type: 'string' },
    out: { type: 'string' },
    eval: { type: 'string' },
    'eval-count': { type: 'string' },
    labels: { type: 'string' },
    preset: { type: 'string' },
    batch: { type: 'string' },
    'input-shape': { type: 'string' },
    json: { type: 'boolean', default: false },
    method: { type: 'string' },
    iters: { type: 'string' },
    drop: { type: 'string' },
    'input-drop': { type: 'string' },
    seed: { type: 'string' },
    'recon-batch': { type: 'string' },
    'early-stop': { type: 'boolean', default: false },
    'cache-mib': { type: 'string' },
    'cache-precision': { type: 'string' },
    checkpoint: { type: 'string' },
    resume: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (v.help) return 'help';
  const preset = v.preset as string | undefined;
  if (preset !== undefined && !isPresetId(preset)) throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${preset}"`);
  const model = mustExist('model', v.model, 'file');
  const out = v.out;
  if (typeof out !== 'string' || !out) throw new UsageError('--out is required: the file to write the quantized model to (e.g. --out model.w4a4.onnx)');
  if (resolve(out) === resolve(model)) throw new UsageError(`--out ${out} is the input model; choose another file name`);
  mustBeWritable('out', out);
  const percentile = v.percentile === undefined ? 99.99 : Number(v.percentile);
  if (!(percentile > 50 && percentile <= 100)) throw new UsageError(`--percentile must be a number in (50, 100], got "${v.percentile}"`);
  const observer = oneOf('observer', v.observer, OBSERVERS, 'mse');
  if (v.eval === undefined && (v['eval-count'] !== undefined || v.labels !== undefined)) {
    throw new UsageError(`--${v.labels !== undefined ? 'labels' : 'eval-count'} applies to --eval images; give --eval PATH too`);
  }
  const method = oneOf('method', v.method, METHODS, 'nearest');
  const recon = method !== 'nearest' && method !== 'squant';
  if (recon && v.calib === undefined) throw new UsageError(`--method ${method} reconstructs on calibration images: give --calib PATH`);
  if (v.calib === undefined && v['calib-count'] !== undefined) throw new UsageError('--calib-count applies to --calib images; give --calib PATH too');
  if (v.calib === undefined && v['act-calib'] !== undefined) throw new UsageError('--act-calib applies to --calib images; give --calib PATH too');
  if (v['first-last-8bit'] && v['no-first-last-8bit']) throw new UsageError('--first-last-8bit and --no-first-last-8bit contradict each other; give one');
  if (method === 'squant' && v['w-levels'] === 'apot') throw new UsageError('--method squant rounds on the uniform grid; --w-levels apot does not combine with it');
  if (v['w-levels'] === 'apot' && v.w === '7' && v.opset !== '21') throw new UsageError('7-bit APoT weights have codes up to ±448, beyond int8: add --opset 21 (int16 codes)');
  const prob = (name: string, raw: unknown, def: number): number => {
    if (raw === undefined) return def;
    const p = Number(raw);
    if (!(p >= 0 && p <= 1)) throw new UsageError(`--${name} must be a probability in [0, 1], got "${String(raw)}"`);
    return p;
  };
  if (!recon) {
    for (const f of ['iters', 'drop', 'input-drop', 'seed', 'recon-batch', 'early-stop', 'cache-mib', 'cache-precision', 'checkpoint', 'resume']) {
      if (v[f] !== undefined && v[f] !== false) throw new UsageError(`--${f} applies to reconstruction; add --method adaround, brecq or qdrop`);
    }
  }
  if (v.resume && v.checkpoint === undefined) throw new UsageError('--resume continues the run saved in a --checkpoint folder; give --checkpoint DIR too');
  const defaults = methodDefaults(recon ? (method as ReconMethod) : 'nearest');
  const calibCount = positiveInt('calib-count', v['calib-count']) ?? 256;
  const seed = v.seed === undefined ? RECON_DEFAULTS.seed : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got "${String(v.seed)}"`);
  return {
    method,
    iters: positiveInt('iters', v.iters) ?? RECON_DEFAULTS.iters,
    drop: prob('drop', v.drop, defaults.drop),
    inputDrop: prob('input-drop', v['input-drop'], defaults.inputDrop),
    seed,
    reconBatch: positiveInt('recon-batch', v['recon-batch']) ?? RECON_DEFAULTS.batch,
    earlyStop: v['early-stop'] === true,
    cacheMiB: positiveInt('cache-mib', v['cache-mib']) ?? RECON_DEFAULTS.cacheMiB,
    cachePrecision: oneOf('cache-precision', v['cache-precision'], ['auto', 'f32', 'f16'] as const, RECON_DEFAULTS.cachePrecision),
    checkpoint: typeof v.checkpoint === 'string' && v.checkpoint ? v.checkpoint : undefined,
    resume: v.resume === true,
    model,
    calib: v.calib === undefined ? undefined : mustExist('calib', v.calib, 'file or folder'),
    calibCount,
    actCalibCount: v['act-calib'] === 'all' ? calibCount : Math.min(calibCount, positiveInt('act-calib', v['act-calib']) ?? 256),
    wBits: intIn('w', v.w, 2, 8, 8),
    aBits: intIn('a', v.a, 2, 8, 8),
    observer,
    wObserver: v['w-observer'] === undefined ? (method === 'squant' ? 'minmax' : undefined) : oneOf('w-observer', v['w-observer'], OBSERVERS, observer),
    wLevels: oneOf('w-levels', v['w-levels'], ['uniform', 'apot'] as const, 'uniform'),
    percentile,
    perTensor: Boolean(v['per-tensor']),
    symmetric: Boolean(v.symmetric),
    actSymmetric: Boolean(v['act-symmetric']),
    firstLast8bit: v['first-last-8bit'] ? true : v['no-first-last-8bit'] ? false : method !== 'squant',
    opset: Number(oneOf('opset', v.opset, ['13', '21'], '13')) as 13 | 21,
    out,
    eval: v.eval === undefined ? undefined : mustExist('eval', v.eval, 'file or folder'),
    evalCount: positiveInt('eval-count', v['eval-count']),
    labels: v.labels === undefined ? undefined : mustExist('labels', v.labels, 'file'),
    preset,
    batch: positiveInt('batch', v.batch),
    inputShape: inputShapeFlag(v['input-shape']),
    json: Boolean(v.json),
  };
}
