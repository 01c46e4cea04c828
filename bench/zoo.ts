// Model-zoo bench (issue 11, Node + Dawn): each ../shared/models/zoo model (random weights) calibrated at
// W8A8 and W4A4 on CIFAR-10 images resized by the model's preprocessing, a short QDrop reconstruction,
// the QDQ export, then the studio's fake-quant outputs against onnxruntime-node running the export
// on the test images: per output relative L2, SQNR, cosine and top-1 agreement (classifiers). Also
// the float engine against onnxruntime on the original file (config "float"). The pipeline is
// src/cli/ptq.ts as `quant-studio quantize --method qdrop` runs it (each row names that command).
//   npx tsx bench/zoo.ts [--models a,b] [--configs float,W8A8,W4A4] [--calib 64] [--iters 20]
//                        [--recon-batch 16] [--test 100] [--batch 20] [--probe 8] [--force] [--retry-errors] [--table] [--floor-only] [--exact] [--arbiter] [--quick]
// Rows go to bench/results.json under `zoo` (other keys kept; re-read before each write), one per
// (model, config), written as each finishes; rows already there are skipped unless --force
// (--retry-errors: rows that ended in an error). --table prints the table of what is there.
// --floor-only: add the noise floor (see ZooRow.noiseFloor: onnxruntime against itself, and its QDQ fusion on
// against off) to quantized rows that lack it, from their exports in bench/out/zoo; with --force, to every one.
// --exact: the float64 arbiter (ZooRow.exact) for quantized rows that lack it, from their exports (the engine running the
// export stands for the studio); with --force, to every one. --arbiter: in a full quantized row, the same with the studio itself.
// --quick: a smoke run (SqueezeNet 1.1, 16 calibration and 20 test images, 2 iterations) into bench/out/results-quick.json.
// Done-when: float rel L2 ≤ 1e-4 per output; quantized rel L2 ≤ 1e-3 per output or, for a
// classifier, top-1 agreement ≥ 99 %. Judged on onnxruntime's defaults (its QDQ fusion on, what a
// user of the file gets); the same figures with the fusion off (disable_quant_qdq) are kept beside.
// A quantized row above the rel L2 bound gets a quantizer-by-quantizer probe (src/cli/qdq-compare.ts) on --probe images.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createServer } from 'vite';
import type * as Ptq from '../src/cli/ptq';
import type * as QdqCompare from '../src/cli/qdq-compare';
import type * as Top1M from '../src/cli/top1';
import type * as Fidelity from '../src/quant/fidelity';
import type * as InputSize from '../src/data/input-size';
import type * as ImageSets from '../src/data/image-set-node';
import type * as NodeGpu from '../src/gpu/node-gpu';
import type * as GpuModule from '../src/gpu/gpu';
import type * as Recon from '../src/recon/reconstruct';
import type * as LightModels from '../src/test/light-models';
import type * as OnnxRead from '../src/onnx/read';
import type * as OnnxWrite from '../src/onnx/write';
import type * as ExactQdq from './lib/exact-qdq';
import type { HostTensor } from '../src/engine/types';
import { flagValue, root, runMain, shared } from './lib/engine';

const argv = process.argv.slice(2);
const has = (f: string) => argv.includes(`--${f}`);
/** Lightest first; the heaviest (ResNet-18, ResNet-50, LR-ASPP, SSDlite) last. */
const ALL = [
  'squeezenet1_1', 'mobilenet_v3_small', 'shufflenet_v2_x1_0', 'mnasnet1_0', 'mobilenet_v2', 'light_squeezenet',
  'light_bvlc_alexnet', 'resnet18', 'light_resnet50', 'lraspp_mobilenet_v3_large', 'ssdlite320_mobilenet_v3_large_head',
];
/** --input-shape for inputs whose H/W are symbolic. */
const INPUT_SHAPE: Record<string, string> = { lraspp_mobilenet_v3_large: '3x224x224' };
const quick = has('quick');
const MODELS = (flagValue(argv, 'models') ?? (quick ? 'squeezenet1_1' : ALL.join(','))).split(',').filter(Boolean);
const CONFIGS = (flagValue(argv, 'configs') ?? 'float,W8A8,W4A4').split(',').filter(Boolean);
const CALIB = Number(flagValue(argv, 'calib') ?? (quick ? 16 : 64));
const ITERS = Number(flagValue(argv, 'iters') ?? (quick ? 2 : 20));
const RECON_BATCH = Number(flagValue(argv, 'recon-batch') ?? (quick ? 8 : 16));
const TEST = Number(flagValue(argv, 'test') ?? (quick ? 20 : 100));
const BATCH = Number(flagValue(argv, 'batch') ?? (quick ? 10 : 20));
const PROBE = Number(flagValue(argv, 'probe') ?? (quick ? 4 : 8));
const SEED = 1005;
/** Seed of the light models' random weights (as src/engine/zoo.test.ts). */
const LIGHT_SEED = 2024;
const FLOAT_MAX = 1e-4;
const QUANT_MAX = 1e-3;
const AGREE_MIN = 0.99;
const zooDir = path.join(shared, 'models/zoo');
const calibDir = path.join(shared, 'data/cifar10/train');
const testDir = path.join(shared, 'data/cifar10/test');
const resultsFile = path.join(root, quick ? 'bench/out/results-quick.json' : 'bench/results.json');
const exportDir = path.join(root, 'bench/out/zoo');
const started = Date.now();
const say = (s: string) => console.error(`[zoo ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
const r1 = (x: number) => Math.round(x * 10) / 10;
const sig = (x: number | null) => (x === null || !Number.isFinite(x) ? x : Number(x.toPrecision(4)));
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

/** One output's agreement of `test` with `ref` over the images. */
interface OutputFigures {
  shape: number[];
  relL2: number | null;
  sqnrDb: number | null;
  cosine: number | null;
  maxAbsError: number | null;
  /** Outputs with one class axis ([N, K] or [N, K, 1, 1]): images whose arg-max is the same. */
  top1Agreement: number | null;
  /** Dense class scores [N, C, H, W]: pixels whose arg-max class is the same. */
  pixelAgreement: number | null;
  pass: boolean;
}

interface Probe {
  images: number;
  firstDiffer: string | null;
  /** Worst quantizer end to end and from the same input codes: its tensor and % of codes that differ. */
  worstEndToEnd: { tensor: string; pct: number } | null;
  worstLocal: { tensor: string; pct: number } | null;
  /** Over every quantizer, from the same input codes: codes that differ, those within 1e-4 step of a tie, the farthest (steps). */
  localDiffer: number;
  localNearTie: number;
  localFarthest: number;
  localMaxCodeDiff: number;
  kernelVsFormula: number;
  probeEffect: number;
  maxLogitDiff: number;
}

interface ZooRow {
  model: string;
  config: string;
  status: 'pass' | 'fail' | 'error';
  message?: string;
  date: string;
  adapter: string;
  inputShape: number[];
  ops: number;
  preparedOps: number | null;
  weightTensors?: number;
  actQuantizers?: number;
  blocks?: number;
  calibImages?: number;
  itersPerBlock?: number;
  reconBatch?: number;
  testImages: number;
  calibSeconds?: number;
  reconSeconds?: number;
  compareSeconds?: number;
  seconds: number;
  loadAvg1m: [number, number];
  /** Per output: onnxruntime (default options) against the reference (float: onnxruntime on the original file is the reference; quantized: the studio's fake-quant). */
  outputs?: Record<string, OutputFigures>;
  /** Quantized rows: the same with onnxruntime's QDQ fusion off (the export run as the fake-quant graph it is). */
  noFusion?: Record<string, OutputFigures>;
  probe?: Probe;
  /**
   * onnxruntime against itself on the export: each output's rel L2 when the input moves by up to 1e-6 relative
   * (float-noise size), on the first `images` test images, with its QDQ fusion on and off; `top1` (when measured): each
   * class output's top-1 agreement with itself under that move, fusion on, over `top1Images` test images; `modes`
   * (when measured): fusion on against fusion off over those images, per output.
   */
  noiseFloor?: {
    images: number;
    fused: Record<string, number | null>;
    noFusion: Record<string, number | null>;
    top1Images?: number;
    top1?: Record<string, number | null>;
    modes?: Record<string, { relL2: number | null; top1Agreement: number | null }>;
  };
  /**
   * The float64 arbiter (bench/lib/exact-qdq.ts, --exact): the export evaluated with exact sums over `images` test
   * images; against it, per output, the engine running the export (its fake-quant graph), onnxruntime with its QDQ
   * fusion on (integer QLinearConv) and off (float Conv): rel L2 and top-1 agreement.
   */
  exact?: {
    images: number;
    seconds: number;
    vs: Record<'engine' | 'fused' | 'noFusion', Record<string, { relL2: number | null; top1Agreement: number | null }>>;
    /** The engine against onnxruntime's default on this export (the row's `outputs` figure, remeasured): the export may have been rebuilt by the row's `cli` since. */
    engineVsFused?: Record<string, { relL2: number | null; top1Agreement: number | null }>;
    /** What `engine` was: the studio's session (a full row with --arbiter) or the engine on the export (--exact). */
    engine?: string;
  };
  cli?: string;
}

type Outputs = Record<string, HostTensor>;
/** src/quant/fidelity.ts's FidelityAccumulator, once Vite has loaded it. */
let FidelityAcc: typeof Fidelity.FidelityAccumulator;
/** src/cli/top1.ts's feedOf, once Vite has loaded it. */
let feedOfBatch: typeof Top1M.feedOf;
/** src/onnx/read.ts's readModel, once Vite has loaded it. */
let readModelOf: typeof OnnxRead.readModel | undefined;
/** Vite's SSR loader (the float64 arbiter's references reach modules that only Vite can load). */
let loadModule: (<M>(p: string) => Promise<M>) | undefined;

/** One class axis: every non-batch dimension but one is 1. */
const classAxis = (shape: number[]) => shape.slice(1).filter((d) => d > 1).length === 1;

/** Per output: streams batches of reference and test outputs (fidelity sums plus our own top-1 agreement for [N, K, 1, 1] too). */
class Figures {
  private agree = new Map<string, { same: number; images: number }>();
  constructor(private acc: Fidelity.FidelityAccumulator) {}
  add(ref: Outputs, test: Outputs, n: number): void {
    this.acc.add(ref, test, n);
    for (const [name, x] of Object.entries(ref)) {
      if (!classAxis(x.shape)) continue;
      const k = x.data.length / x.shape[0];
      const a = this.agree.get(name) ?? { same: 0, images: 0 };
      for (let i = 0; i < Math.min(n, x.shape[0]); i++) if (argmax(x.data, i * k, k) === argmax(test[name].data, i * k, k)) a.same++;
      a.images += Math.min(n, x.shape[0]);
      this.agree.set(name, a);
    }
  }
  result(maxRelL2: number, classifierRule: boolean): Record<string, OutputFigures> {
    return Object.fromEntries(
      this.acc.result().map((f) => {
        const relL2 = Number.isFinite(f.sqnrDb) ? 10 ** (-f.sqnrDb / 20) : f.sqnrDb > 0 ? 0 : Infinity;
        const a = this.agree.get(f.name);
        const top1 = a ? a.same / a.images : null;
        const pass = relL2 <= maxRelL2 || (classifierRule && top1 !== null && top1 >= AGREE_MIN);
        return [f.name, { shape: f.shape, relL2: sig(relL2), sqnrDb: Number.isFinite(f.sqnrDb) ? Math.round(f.sqnrDb * 100) / 100 : null, cosine: f.cosine, maxAbsError: sig(f.maxAbsError), top1Agreement: top1, pixelAgreement: f.pixelAgreement, pass }];
      }),
    );
  }
}

function argmax(d: ArrayLike<number>, at: number, k: number): number {
  let best = 0;
  for (let i = 1; i < k; i++) if (d[at + i] > d[at + best]) best = i;
  return best;
}

/** onnxruntime-node on a model file's bytes, as a runner of padded batches. */
async function ortRunner(bytes: Uint8Array, input: string, fusion: boolean) {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, ...(fusion ? {} : { extra: { session: { disable_quant_qdq: '1' } } }) });
  const name = s.inputNames.includes(input) ? input : s.inputNames[0];
  return {
    run: async (feed: HostTensor): Promise<Outputs> => {
      const r = await s.run({ [name]: new ort.Tensor('float32', feed.data, feed.shape) });
      return Object.fromEntries(s.outputNames.map((n) => [n, { data: r[n].data as Float32Array, shape: r[n].dims.map(Number) }]));
    },
    release: () => s.release(),
  };
}

/** Every batch of an image set as model feeds, with each batch's image count. */
function feedsOf(set: ImageSets.ImageSet, batch: number, fixedBatch: number | undefined): [HostTensor[], number[]] {
  const feeds: HostTensor[] = [];
  const counts: number[] = [];
  for (const b of set.batches(batch)) {
    feeds.push(feedOfBatch(b, fixedBatch));
    counts.push(b.names.length);
  }
  return [feeds, counts];
}

/** `feed`·(1 + 1e-6·u), u uniform in [−1, 1] from a fixed seed: an input change of float-noise size. */
function nudged(feed: HostTensor): HostTensor {
  let seed = 7;
  const u = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
  return { data: Float32Array.from(feed.data, (v) => v * (1 + 1e-6 * u())), shape: feed.shape };
}

/**
 * onnxruntime against itself on an export: each output's rel L2 between the first BATCH images' feeds and their
 * nudged copies, with QDQ fusion on and off; with fusion on, each class output's top-1 agreement with itself
 * over every feed (`counts[i]` images of `feeds[i]`); and its two modes against each other (fusion on against
 * off: two right answers for the same QDQ file) over every feed.
 */
async function noiseFloor(bytes: Uint8Array, input: string, feeds: HostTensor[], counts: number[]): Promise<NonNullable<ZooRow['noiseFloor']>> {
  const fused = await ortRunner(bytes, input, true);
  const plain = await ortRunner(bytes, input, false);
  const [firstFused, firstPlain, top1, modes] = [0, 0, 0, 0].map(() => new Figures(new FidelityAcc()));
  // the rel L2 part over the first BATCH images: one feed, or several where the model's batch is fixed at 1
  let first = 0;
  for (let i = 0; i < feeds.length; i++) {
    const [a, b, c] = [await fused.run(feeds[i]), await fused.run(nudged(feeds[i])), await plain.run(feeds[i])];
    if (first < BATCH) {
      firstFused.add(a, b, counts[i]);
      firstPlain.add(c, await plain.run(nudged(feeds[i])), counts[i]);
      first += counts[i];
    }
    top1.add(a, b, counts[i]);
    modes.add(a, c, counts[i]);
  }
  await fused.release();
  await plain.release();
  const relL2 = (f: Figures) => Object.fromEntries(Object.entries(f.result(0, false)).map(([k, x]) => [k, x.relL2]));
  const m = modes.result(0, false);
  return {
    images: first,
    fused: relL2(firstFused),
    noFusion: relL2(firstPlain),
    top1Images: counts.reduce((x, y) => x + y, 0),
    top1: Object.fromEntries(Object.entries(top1.result(0, false)).map(([k, x]) => [k, x.top1Agreement])),
    modes: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, { relL2: x.relL2, top1Agreement: x.top1Agreement }])),
  };
}

/**
 * The float64 arbiter (bench/lib/exact-qdq.ts) on an export: its exact outputs on every test image, against
 * `engine`, onnxruntime with its QDQ fusion on and off; and `engine` against onnxruntime's default.
 */
async function arbiter(bytes: Uint8Array, input: string, test: ImageSets.ImageSet, fixedBatch: number | undefined, engine: (f: HostTensor) => Promise<Outputs>, what: string): Promise<NonNullable<ZooRow['exact']>> {
  const { exactRun } = await loadModule!<typeof ExactQdq>('/bench/lib/exact-qdq.ts');
  const g = readModelOf!(bytes, 'export.onnx').graph;
  const fused = await ortRunner(bytes, input, true);
  const plain = await ortRunner(bytes, input, false);
  const figs = [0, 0, 0].map(() => new Figures(new FidelityAcc()));
  const own = new Figures(new FidelityAcc());
  const t = performance.now();
  let done = 0;
  for (const b of test.batches(fixedBatch ?? BATCH)) {
    const feed = feedOfBatch(b, fixedBatch);
    const per = feed.data.length / feed.shape[0];
    const exact: Outputs = {};
    for (let i = 0; i < b.names.length; i++) {
      const o = exactRun(g, input, { data: feed.data.subarray(i * per, (i + 1) * per), shape: [1, ...feed.shape.slice(1)] });
      for (const [k, v] of Object.entries(o)) {
        exact[k] ??= { data: new Float32Array((v.data.length * feed.shape[0]) / v.shape[0]), shape: [feed.shape[0], ...v.shape.slice(1)] };
        (exact[k].data as Float32Array).set(v.data, i * v.data.length);
      }
    }
    const outs = [await engine(feed), await fused.run(feed), await plain.run(feed)];
    outs.forEach((o, k) => figs[k].add(exact, o, b.names.length));
    own.add(outs[1], outs[0], b.names.length);
    done += b.names.length;
    say(`  ${what}: float64 arbiter ${done}/${test.count} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  await fused.release();
  await plain.release();
  const pick = (f: Figures) => Object.fromEntries(Object.entries(f.result(0, false)).map(([k, x]) => [k, { relL2: x.relL2, top1Agreement: x.top1Agreement }]));
  return { images: done, seconds: r1((performance.now() - t) / 1000), vs: { engine: pick(figs[0]), fused: pick(figs[1]), noFusion: pick(figs[2]) }, engineVsFused: pick(own) };
}

function readZoo(): ZooRow[] {
  if (!existsSync(resultsFile)) return [];
  const z = (JSON.parse(readFileSync(resultsFile, 'utf8')) as { zoo?: { rows?: ZooRow[] } }).zoo;
  return z?.rows ?? [];
}

/** Read-modify-write of results.json: only `zoo` changes, the row replacing its (model, config). */
function writeRow(row: ZooRow): void {
  const all = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
  const prev = ((all.zoo as { rows?: ZooRow[] } | undefined)?.rows ?? []).filter((r) => !(r.model === row.model && r.config === row.config));
  const rows = [...prev, row].sort((a, b) => ALL.indexOf(a.model) - ALL.indexOf(b.model) || CONFIG_ORDER(a.config) - CONFIG_ORDER(b.config));
  all.zoo = {
    note: `bench/zoo.ts: ../shared/models/zoo (random weights; the light models' ConstantOfShape(0.02) weights replaced by seeded random ones, seed ${LIGHT_SEED}, their Softmax inputs compared too, as src/engine/zoo.test.ts); calibration on the first CIFAR-10 train images and comparison on the first test images, resized by each model's preprocessing; QDrop (MSE ranges, per-channel asymmetric weights, first/last layer 8-bit). Done-when: float rel L2 <= ${FLOAT_MAX}; quantized rel L2 <= ${QUANT_MAX} per output or top-1 agreement >= ${100 * AGREE_MIN} % (class outputs), on onnxruntime-node defaults; noFusion: onnxruntime with disable_quant_qdq.`,
    rows,
  };
  writeFileSync(resultsFile, JSON.stringify(all, null, 2) + '\n');
}
const CONFIG_ORDER = (c: string) => ['float', 'W8A8', 'W4A4'].indexOf(c);

function table(rows: ZooRow[]): string {
  const e = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x === 0 ? '0' : x.toExponential(1));
  const p = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`);
  const lines = [
    '| model | config | status | ops | blocks | calib s | recon s | compare s | load | per output: rel L2 · SQNR dB · top-1 (pixel) agreement | rel L2 without QDQ fusion | onnxruntime noise floor: rel L2 (top-1 agreement) | onnxruntime fusion on vs off: rel L2 · top-1 agreement | against the float64 evaluation: engine; onnxruntime fusion on; off (rel L2 · top-1 agreement) |',
    '|---|---|---|---:|---:|---:|---:|---:|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const outs = r.outputs ? Object.entries(r.outputs).map(([n, f]) => `${Object.keys(r.outputs!).length > 1 ? `${n}: ` : ''}${e(f.relL2)} · ${f.sqnrDb ?? '∞'} · ${f.top1Agreement !== null ? p(f.top1Agreement) : f.pixelAgreement !== null ? `(${p(f.pixelAgreement)})` : '—'}`).join('; ') : (r.message ?? '').slice(0, 120).replace(/\|/g, '\\|');
    const nf = r.noFusion ? Object.values(r.noFusion).map((f) => e(f.relL2)).join('; ') : '—';
    const nfl = r.noiseFloor;
    const floor = nfl ? Object.entries(nfl.fused).map(([k, x]) => `${e(x)}${nfl.top1?.[k] != null ? ` (${p(nfl.top1[k])})` : ''}`).join('; ') : '—';
    const modes = nfl?.modes ? Object.values(nfl.modes).map((x) => `${e(x.relL2)}${x.top1Agreement !== null ? ` · ${p(x.top1Agreement)}` : ''}`).join('; ') : '—';
    const ex = r.exact ? (['engine', 'fused', 'noFusion'] as const).map((k) => Object.values(r.exact!.vs[k]).map((x) => `${e(x.relL2)}${x.top1Agreement !== null ? ` · ${p(x.top1Agreement)}` : ''}`).join(', ')).join('; ') + ` (${r.exact.images} images)` : '—';
    lines.push(`| ${r.model} | ${r.config} | ${r.status} | ${r.ops} | ${r.blocks ?? '—'} | ${r.calibSeconds ?? '—'} | ${r.reconSeconds ?? '—'} | ${r.compareSeconds ?? '—'} | ${r.loadAvg1m.join('→')} | ${outs} | ${nf} | ${floor} | ${modes} | ${ex} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (has('table')) {
    console.log(table(readZoo()));
    return;
  }
  for (const p of [zooDir, calibDir, testDir]) if (!existsSync(p)) throw new Error(`${p} not found (the shared models and data sit in ../shared)`);
  const unknown = MODELS.filter((m) => !existsSync(path.join(zooDir, `${m}.onnx`)));
  if (unknown.length) throw new Error(`--models: no ${unknown.map((m) => `${m}.onnx`).join(', ')} in ${zooDir}`);
  const vite = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom', cacheDir: 'bench/out/.vite-ssr' });
  try {
    const load = <M>(p: string) => vite.ssrLoadModule(p) as Promise<M>;
    const ptq = await load<typeof Ptq>('/src/cli/ptq.ts');
    const { compareQdq } = await load<typeof QdqCompare>('/src/cli/qdq-compare.ts');
    const { feedOf } = await load<typeof Top1M>('/src/cli/top1.ts');
    const { FidelityAccumulator } = await load<typeof Fidelity>('/src/quant/fidelity.ts');
    FidelityAcc = FidelityAccumulator;
    feedOfBatch = feedOf;
    const { parseInputShape } = await load<typeof InputSize>('/src/data/input-size.ts');
    const { openImageSet } = await load<typeof ImageSets>('/src/data/image-set-node.ts');
    const { nodeGpu } = await load<typeof NodeGpu>('/src/gpu/node-gpu.ts');
    const { adapterLabel } = await load<typeof GpuModule>('/src/gpu/gpu.ts');
    const recon = await load<typeof Recon>('/src/recon/reconstruct.ts');
    const { randomizeLightModel } = await load<typeof LightModels>('/src/test/light-models.ts');
    const { readModel } = await load<typeof OnnxRead>('/src/onnx/read.ts');
    readModelOf = readModel;
    loadModule = load;
    const { writeModel } = await load<typeof OnnxWrite>('/src/onnx/write.ts');
    /**
     * The file a model runs from: the zoo's own, or for a light model (ConstantOfShape(0.02) weights,
     * every output the same whatever the input) a copy with the zoo test's seeded random weights.
     */
    const modelFile = (model: string): string => {
      const file = path.join(zooDir, `${model}.onnx`);
      if (!model.startsWith('light_')) return file;
      const m = readModel(new Uint8Array(readFileSync(file)), `${model}.onnx`);
      if (!randomizeLightModel(m, LIGHT_SEED)) throw new Error(`${model}: no ConstantOfShape weights to replace`);
      mkdirSync(exportDir, { recursive: true });
      const out = path.join(exportDir, `${model}.random${LIGHT_SEED}.onnx`);
      writeFileSync(out, writeModel(m));
      return out;
    };
    mkdirSync(exportDir, { recursive: true });

    if (has('exact')) {
      // the float64 arbiter, from the exports in bench/out/zoo
      for (const model of MODELS) {
        const rows = readZoo().filter((r) => r.model === model && r.status !== 'error' && r.config !== 'float' && CONFIGS.includes(r.config) && (has('force') || !r.exact) && existsSync(path.join(exportDir, `${model}.${r.config.toLowerCase()}.onnx`)));
        if (!rows.length) continue;
        const gpu = await nodeGpu();
        const shapeFlag = INPUT_SHAPE[model];
        for (const row of rows) {
          const file = path.join(exportDir, `${model}.${row.config.toLowerCase()}.onnx`);
          const bytes = readFileSync(file);
          const pm = await ptq.openModel(gpu, file, undefined, shapeFlag ? parseInputShape(shapeFlag) : undefined);
          const exact = await arbiter(bytes, pm.input, openImageSet(testDir, pm.preset, { limit: TEST }), pm.fixedBatch, (feed) => pm.session.run({ [pm.input]: feed }), `${model} ${row.config}`);
          exact.engine = `the engine on ${path.relative(root, file)} (${statSync(file).mtime.toISOString()}): its fake-quant graph with float sums`;
          pm.session.dispose();
          const now = readZoo().find((r) => r.model === model && r.config === row.config)!;
          writeRow({ ...now, exact });
          say(`${model} ${row.config}: exact ${JSON.stringify(exact)}`);
        }
        gpu.destroy();
      }
      return;
    }

    if (has('floor-only')) {
      // rows made before the noise floor was measured: from their exports in bench/out/zoo
      for (const model of MODELS) {
        const rows = readZoo().filter((r) => r.model === model && r.status !== 'error' && r.config !== 'float' && (has('force') || !r.noiseFloor?.modes) && existsSync(path.join(exportDir, `${model}.${r.config.toLowerCase()}.onnx`)));
        if (!rows.length) continue;
        const gpu = await nodeGpu();
        const shapeFlag = INPUT_SHAPE[model];
        const pm = await ptq.openModel(gpu, modelFile(model), undefined, shapeFlag ? parseInputShape(shapeFlag) : undefined);
        const test = openImageSet(testDir, pm.preset, { limit: TEST });
        for (const row of rows) {
          const floor = await noiseFloor(readFileSync(path.join(exportDir, `${model}.${row.config.toLowerCase()}.onnx`)), pm.input, ...feedsOf(test, pm.fixedBatch ?? BATCH, pm.fixedBatch));
          const now = readZoo().find((r) => r.model === model && r.config === row.config)!;
          writeRow({ ...now, noiseFloor: floor });
          say(`${model} ${row.config}: noise floor ${JSON.stringify(floor)}`);
        }
        pm.session.dispose();
        gpu.destroy();
      }
      return;
    }

    for (const model of MODELS) {
      const todo = CONFIGS.filter((c) => {
        const prev = readZoo().find((r) => r.model === model && r.config === c);
        return !prev || has('force') || (has('retry-errors') && prev.status === 'error');
      });
      if (!todo.length) {
        say(`${model}: ${CONFIGS.join(', ')} already in results.json (--force reruns)`);
        continue;
      }
      const gpu = await nodeGpu();
      const adapter = adapterLabel(gpu.adapter);
      const file = modelFile(model);
      const shapeFlag = INPUT_SHAPE[model];
      let m: Ptq.PtqModel | null = null;
      try {
        m = await ptq.openModel(gpu, file, undefined, shapeFlag ? parseInputShape(shapeFlag) : undefined);
        const pm = m;
        const batch = pm.fixedBatch ?? BATCH;
        const inputShape = [batch, pm.preset.channels, pm.preset.height, pm.preset.width];
        const count = (c: Record<string, number> | undefined) => (c ? Object.values(c).reduce((a, b) => a + b, 0) : null);
        const base = { model, adapter, inputShape, ops: count(pm.session.summary.opCounts)!, preparedOps: count(pm.session.summary.preparedOpCounts) };
        const calib = openImageSet(calibDir, pm.preset, { limit: CALIB });
        const test = openImageSet(testDir, pm.preset, { limit: TEST });
        say(`${model}: ${base.ops} ops (${base.preparedOps ?? '?'} prepared), input ${inputShape.join('×')} (${pm.preset.id}); ${adapter}; load ${load1()}`);
        let lastSay = 0;
        const progress: Ptq.PtqProgress = (phase, done, total, detail) => {
          if (done < total && Date.now() - lastSay < 30_000) return;
          lastSay = Date.now();
          say(`  ${phase} ${done}/${total}${detail ? ` (${detail})` : ''}`);
        };

        /** Runs the test images through `ref` and `others`, the figures of each against ref. */
        const compare = async (ref: (f: HostTensor) => Promise<Outputs>, others: ((f: HostTensor) => Promise<Outputs>)[]): Promise<Figures[]> => {
          const figs = others.map(() => new Figures(new FidelityAccumulator()));
          let done = 0;
          for (const b of test.batches(batch)) {
            const feed = feedOf(b, pm.fixedBatch);
            const r = await ref(feed);
            for (const [k, o] of others.entries()) figs[k].add(r, await o(feed), b.names.length);
            done += b.names.length;
            progress('onnxruntime', done, test.count);
          }
          return figs;
        };
        const studio = (quant: boolean) => (feed: HostTensor) => pm.session.run({ [pm.input]: feed }, { quant });

        for (const config of todo) {
          const t0 = performance.now();
          const loadStart = load1();
          const done = (row: Omit<ZooRow, keyof typeof base | 'date' | 'seconds' | 'loadAvg1m' | 'testImages'>): ZooRow => ({ ...base, date: new Date().toISOString(), testImages: test.count, seconds: r1((performance.now() - t0) / 1000), loadAvg1m: [loadStart, load1()], ...row });
          let row: ZooRow;
          try {
            if (config === 'float') {
              const o = await ortRunner(pm.bytes, pm.input, true);
              const t = performance.now();
              // onnxruntime on the original file is the reference; the engine is what is tested
              const [f] = await compare(o.run, [studio(false)]);
              await o.release();
              const outputs = f.result(FLOAT_MAX, false);
              row = done({ config, status: Object.values(outputs).every((x) => x.pass) ? 'pass' : 'fail', compareSeconds: r1((performance.now() - t) / 1000), outputs });
            } else {
              const cm = /^W(\d)A(\d)$/.exec(config);
              if (!cm) throw new Error(`--configs: "${config}" is not float or like W8A8`);
              const [w, a] = [Number(cm[1]), Number(cm[2])];
              const qc = ptq.quantConfig({ wBits: w, aBits: a, observer: 'mse', calibCount: CALIB });
              const cfg: Recon.ReconConfig = { ...recon.RECON_DEFAULTS, ...recon.methodDefaults('qdrop'), method: 'qdrop', iters: ITERS, batch: RECON_BATCH, seed: SEED };
              const out = path.join(exportDir, `${model}.${config.toLowerCase()}.onnx`);
              const cli = `quant-studio quantize --model ${path.relative(root, file)} --calib ${path.relative(root, calibDir)} --calib-count ${CALIB} --w ${w} --a ${a} --method qdrop --iters ${ITERS} --recon-batch ${RECON_BATCH} --batch ${batch}${shapeFlag ? ` --input-shape ${shapeFlag}` : ''} --out ${path.relative(root, out)}`;
              say(`${model} ${config}: ${cli}`);
              let blockStart = 0;
              const r = await ptq.quantizeAndEvaluate(pm, qc, {
                calib,
                opset: 13,
                batch,
                progress,
                recon: {
                  cfg,
                  events: {
                    onBlockStart: () => void (blockStart = Date.now()),
                    onBlockEnd: (s) => say(s.skipped ? `    block ${s.block.index + 1} ${s.block.name}: passed over, ${s.skipped}` : `    block ${s.block.index + 1} ${s.block.name}: loss ${s.firstLoss.toPrecision(4)} → ${s.lastLoss.toPrecision(4)}, ${((Date.now() - blockStart) / 1000).toFixed(1)} s (${s.cacheSeconds.toFixed(1)} caching)`),
                  },
                },
                onExported: (bytes) => writeFileSync(out, bytes),
              });
              say(`  ${model} ${config}: calibration ${r1(r.calibSeconds)} s, ${r.blocks} blocks in ${r1(r.reconSeconds)} s; comparing on ${test.count} images`);
              const t = performance.now();
              const fused = await ortRunner(r.bytes, pm.input, true);
              const plain = await ortRunner(r.bytes, pm.input, false);
              const [fa, fb] = await compare(studio(true), [fused.run, plain.run]);
              await fused.release();
              await plain.release();
              const compareSeconds = r1((performance.now() - t) / 1000);
              const outputs = fa.result(QUANT_MAX, true);
              const noFusion = fb.result(QUANT_MAX, true);
              const pass = Object.values(outputs).every((x) => x.pass);
              const floor = await noiseFloor(r.bytes, pm.input, ...feedsOf(test, batch, pm.fixedBatch));
              // --arbiter: the studio's outputs (exact sums) and onnxruntime's against the float64 evaluation of the export
              const exact = has('arbiter') ? { ...(await arbiter(r.bytes, pm.input, test, pm.fixedBatch, studio(true), `${model} ${config}`)), engine: 'the studio (its exact-sum evaluation)' } : undefined;
              let probe: Probe | undefined;
              // above the rel L2 bound (passing by top-1 agreement or not): which quantizer's codes differ, and how far from a tie
              if (PROBE > 0 && Object.values(outputs).some((x) => x.relL2 === null || x.relL2 > QUANT_MAX)) {
                say(`  ${model} ${config}: rel L2 above ${QUANT_MAX}; probing every quantizer on ${PROBE} images`);
                probe = probeOf(await compareQdq(pm, r.state, r.bytes, openImageSet(testDir, pm.preset, { limit: PROBE }), { batch, level: 'all' }));
              }
              row = done({
                config, status: pass ? 'pass' : 'fail', weightTensors: r.state.weights.length, actQuantizers: r.state.acts.length, blocks: r.blocks, calibImages: calib.count,
                itersPerBlock: ITERS, reconBatch: RECON_BATCH, calibSeconds: r1(r.calibSeconds), reconSeconds: r1(r.reconSeconds), compareSeconds, outputs, noFusion, noiseFloor: floor, exact, probe, cli,
              });
            }
          } catch (e) {
            const message = (e as Error)?.message ?? String(e);
            say(`  ${model} ${config}: error: ${(e as Error)?.stack ?? message}`);
            row = done({ config, status: 'error', message });
          }
          writeRow(row);
          say(`${model} ${config}: ${row.status}${row.outputs ? ` — ${Object.entries(row.outputs).map(([n, f]) => `${n} rel L2 ${f.relL2?.toExponential(2)}, SQNR ${f.sqnrDb} dB${f.top1Agreement !== null ? `, top-1 agreement ${(100 * f.top1Agreement).toFixed(1)} %` : ''}${f.pixelAgreement !== null ? `, pixels ${(100 * f.pixelAgreement).toFixed(2)} %` : ''}`).join('; ')}` : ''}${row.noFusion ? `; without QDQ fusion rel L2 ${Object.values(row.noFusion).map((f) => f.relL2?.toExponential(2)).join(', ')}` : ''} (${row.seconds} s, load ${row.loadAvg1m.join(' → ')})`);
        }
      } catch (e) {
        // the model did not open: one error row per config asked for
        const message = (e as Error)?.message ?? String(e);
        say(`${model}: error: ${message}`);
        for (const config of todo) writeRow({ model, config, status: 'error', message, date: new Date().toISOString(), adapter, inputShape: [], ops: 0, preparedOps: null, testImages: 0, seconds: 0, loadAvg1m: [load1(), load1()] });
      } finally {
        m?.session.dispose();
        gpu.destroy();
      }
    }
    const t = table(readZoo().filter((r) => MODELS.includes(r.model)));
    console.log(t);
    writeFileSync(path.join(root, 'bench/out/zoo-table.md'), table(readZoo()) + '\n');
    say(`wrote ${path.relative(root, resultsFile)} (zoo) and bench/out/zoo-table.md`);
  } finally {
    await vite.close();
  }
}

/** The quantizer-by-quantizer comparison, summed up. */
function probeOf(c: QdqCompare.QdqComparison): Probe {
  const worst = (ds: typeof c.diffs) => {
    const d = ds.reduce<(typeof ds)[number] | null>((b, x) => (x.differ / Math.max(1, x.elements) > (b ? b.differ / Math.max(1, b.elements) : 0) ? x : b), null);
    return d ? { tensor: d.tensor, pct: sig((100 * d.differ) / Math.max(1, d.elements))! } : null;
  };
  return {
    images: c.images,
    firstDiffer: c.firstDiffer,
    worstEndToEnd: worst(c.diffs),
    worstLocal: worst(c.local),
    localDiffer: c.local.reduce((a, d) => a + d.differ, 0),
    localNearTie: c.local.reduce((a, d) => a + d.nearBoundary, 0),
    localFarthest: sig(Math.max(0, ...c.local.map((d) => d.farthest)))!,
    localMaxCodeDiff: Math.max(0, ...c.local.map((d) => d.maxDiff)),
    kernelVsFormula: c.diffs.reduce((a, d) => a + d.kernelVsFormula, 0) + c.local.reduce((a, d) => a + d.kernelVsFormula, 0),
    probeEffect: sig(c.probeEffect)!,
    maxLogitDiff: sig(c.maxLogitDiff)!,
  };
}

runMain('zoo bench', main);
