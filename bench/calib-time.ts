// Calibration and whole-run times of `npm run bench` (Node, Dawn), through src/cli/ptq.ts as
// `quant-studio quantize` runs it (batch 32, opset 13): seconds of MSE calibration of ResNet-20 on
// 256 images of ../shared/data/cifar10/train at W4A4 and W8A8; with --full, a whole W2A4 QDrop
// ResNet-20 run (MSE calibration, 1024 images, 2000 iterations per block, batch 32) with its
// end-to-end, caching and training time and its top-1 on the 1000 test images. Hours on a CPU
// adapter: --full is never run by default.
//   npx tsx bench/calib-time.ts [--configs W4A4,W8A8] [--images 256] [--adapter lavapipe|swiftshader]
//                               [--no-calib] [--full [--iters 2000] [--full-images 1024] [--test 1000]] [--quick]
// Figures go to bench/results.json under trainStep.calibration and trainStep.full.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Gpu } from '../src/gpu/gpu';
import type { Top1 } from '../src/cli/top1';
import type { BlockSummary } from '../src/recon/reconstruct';
import { flagValue, root, runMain, shared, withEngine, type Engine } from './lib/engine';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const ADAPTER = flagValue(argv, 'adapter');
const CONFIGS = (flagValue(argv, 'configs') ?? (quick ? 'W4A4' : 'W4A4,W8A8')).split(',').map((c) => {
  const m = /^W(\d)A(\d)$/.exec(c);
  if (!m) throw new Error(`--configs: "${c}" is not like W4A4`);
  return [Number(m[1]), Number(m[2])] as const;
});
const IMAGES = Number(flagValue(argv, 'images') ?? (quick ? 32 : 256));
const FULL = argv.includes('--full');
const CALIB = !argv.includes('--no-calib');
const FULL_ITERS = Number(flagValue(argv, 'iters') ?? 2000);
const FULL_IMAGES = Number(flagValue(argv, 'full-images') ?? 1024);
const TEST = Number(flagValue(argv, 'test') ?? 1000);
const BATCH = 32;
const modelPath = path.join(shared, 'models/resnet20_cifar10.onnx');
const calibDir = path.join(shared, 'data/cifar10/train');
const testDir = path.join(shared, 'data/cifar10/test');
const started = Date.now();
const say = (s: string) => console.error(`[calib-time ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
const r1 = (x: number) => Math.round(x * 10) / 10;

interface CalibRow {
  config: string;
  observer: 'MSE';
  seconds: number;
}

interface FullRun {
  date: string;
  adapter: string;
  images: number;
  itersPerBlock: number;
  batch: number;
  blocks: number;
  /** Calibration + reconstruction + export: until the quantized model is written. */
  endToEndSeconds: number;
  calibSeconds: number;
  reconSeconds: number;
  /** From each block's start to its last caching progress event (decoding, prefix runs, upload). */
  cachingSeconds: number | null;
  /** Σ of the blocks' training loops. */
  trainingSeconds: number;
  /** Reconstruction outside the training loops (caching, program building, flatness, freezing). */
  outsideTrainingSeconds: number;
  studioTop1: number | null;
  onnxTop1: number | null;
  evalSeconds: number | null;
  loadAvg1mAtEnd: number;
}

interface Calibration {
  date: string;
  adapter: string;
  images: number;
  batch: number;
  model: string;
  rows: CalibRow[];
  loadAvg1mAtEnd: number;
}

async function calibration(E: Engine, gpu: Gpu, adapter: string): Promise<Calibration> {
  const m = await E.ptq.openModel(gpu, modelPath);
  const calib = E.openImageSet(calibDir, m.preset, { limit: IMAGES });
  const rows: CalibRow[] = [];
  for (const [w, a] of CONFIGS) {
    const config = E.ptq.quantConfig({ wBits: w, aBits: a, observer: 'mse', calibCount: IMAGES });
    const r = await E.ptq.quantizeAndEvaluate(m, config, { calib, opset: 13, batch: BATCH });
    rows.push({ config: `W${w}A${a}`, observer: 'MSE', seconds: r1(r.calibSeconds) });
    say(`W${w}A${a} MSE calibration on ${calib.count} images: ${r.calibSeconds.toFixed(1)} s`);
  }
  m.session.dispose();
  return { date: new Date().toISOString(), adapter, images: calib.count, batch: BATCH, model: path.relative(root, modelPath), rows, loadAvg1mAtEnd: Number(os.loadavg()[0].toFixed(2)) };
}

async function fullRun(E: Engine, gpu: Gpu, adapter: string): Promise<FullRun> {
  const m = await E.ptq.openModel(gpu, modelPath);
  const calib = E.openImageSet(calibDir, m.preset, { limit: FULL_IMAGES });
  const test = TEST > 0 ? E.openImageSet(testDir, m.preset, { limit: TEST }) : undefined;
  const config = E.ptq.quantConfig({ wBits: 2, aBits: 4, observer: 'mse', calibCount: FULL_IMAGES });
  const cfg = { ...E.recon.RECON_DEFAULTS, ...E.recon.methodDefaults('qdrop'), method: 'qdrop' as const, iters: FULL_ITERS, batch: BATCH };
  const summaries: BlockSummary[] = [];
  let caching = 0;
  let sawCache = false;
  let blockStart = 0;
  let lastSay = 0;
  let exportedAt = 0;
  const t0 = performance.now();
  say(`full W2A4 QDrop: ${calib.count} images, ${FULL_ITERS} iterations per block, batch ${BATCH} (${adapter})`);
  const r = await E.ptq.quantizeAndEvaluate(m, config, {
    calib,
    evalSet: test,
    opset: 13,
    batch: BATCH,
    onExported: () => (exportedAt = performance.now()),
    recon: {
      cfg,
      events: {
        onBlockStart: (b, i, n) => {
          blockStart = performance.now();
          say(`  block ${i + 1}/${n} ${b.name}: caching …`);
        },
        onCache: (_b, done, total) => {
          sawCache = true;
          if (done === total) caching += (performance.now() - blockStart) / 1000;
        },
        onLoss: (b, _pts, done) => {
          if (Date.now() - lastSay < 60_000) return;
          lastSay = Date.now();
          say(`  ${b.name}: ${done}/${FULL_ITERS}`);
        },
        onBlockEnd: (s) => {
          summaries.push(s);
          say(`  ${s.block.name}: ${s.iters} iterations in ${s.seconds.toFixed(1)} s (${(s.iters / s.seconds).toFixed(2)} it/s), loss ${s.firstLoss.toPrecision(4)} → ${s.lastLoss.toPrecision(4)}`);
        },
      },
    },
  });
  const end = performance.now();
  const training = summaries.reduce((a, s) => a + s.seconds, 0);
  const top1 = (t: Top1 | null) => (t && t.labeled ? t.correct / t.labeled : null);
  m.session.dispose();
  return {
    date: new Date().toISOString(),
    adapter,
    images: calib.count,
    itersPerBlock: FULL_ITERS,
    batch: BATCH,
    blocks: r.blocks,
    endToEndSeconds: r1(((exportedAt || end) - t0) / 1000),
    calibSeconds: r1(r.calibSeconds),
    reconSeconds: r1(r.reconSeconds),
    cachingSeconds: sawCache ? r1(caching) : null,
    trainingSeconds: r1(training),
    outsideTrainingSeconds: r1(r.reconSeconds - training),
    studioTop1: top1(r.quant),
    onnxTop1: top1(r.onnx),
    evalSeconds: test && exportedAt ? r1((end - exportedAt) / 1000) : null,
    loadAvg1mAtEnd: Number(os.loadavg()[0].toFixed(2)),
  };
}

function markdown(calib: Calibration | undefined, full: FullRun | undefined): string {
  const L = [`## Calibration and whole-run times (ResNet-20, through src/cli/ptq.ts as \`quant-studio quantize\`) — ${new Date().toISOString().slice(0, 10)}`, ''];
  if (calib) {
    L.push(`MSE calibration (weights and activations), ${calib.images} images, batch ${BATCH}; ${calib.adapter}; ${os.cpus().length} CPU cores, 1-minute load ${os.loadavg()[0].toFixed(1)}.`, '');
    L.push('| config | observer | calibration s |', '|---|---|---:|', ...calib.rows.map((r) => `| ${r.config} | ${r.observer} | ${r.seconds.toFixed(1)} |`), '');
  }
  if (full) {
    const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)} %`);
    const share = (s: number | null) => (s === null ? 'n/a' : `${s.toFixed(0)} s (${((100 * s) / full.endToEndSeconds).toFixed(1)} %)`);
    L.push(`Full W2A4 QDrop run: ${full.images} images, ${full.itersPerBlock} iterations per block, batch ${full.batch}, ${full.blocks} blocks; ${full.adapter}.`, '');
    L.push('| end to end | calibration | reconstruction | caching | training loops | outside training | studio top-1 | onnxruntime top-1 |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
    L.push(`| ${(full.endToEndSeconds / 60).toFixed(1)} min | ${full.calibSeconds.toFixed(0)} s | ${full.reconSeconds.toFixed(0)} s | ${share(full.cachingSeconds)} | ${full.trainingSeconds.toFixed(0)} s | ${share(full.outsideTrainingSeconds)} | ${pct(full.studioTop1)} | ${pct(full.onnxTop1)} |`, '');
  }
  return L.join('\n');
}

async function main(): Promise<void> {
  for (const p of [modelPath, calibDir, testDir]) if (!existsSync(p)) throw new Error(`${p} not found (the shared models and data sit in ../shared)`);
  if (ADAPTER) {
    process.env.QUANT_STUDIO_VULKAN = ADAPTER;
    delete process.env.VK_ICD_FILENAMES;
  }
  await withEngine(async (E) => {
    const gpu = await E.nodeGpu();
    const adapter = E.adapterLabel(gpu.adapter);
    say(`adapter ${adapter}`);
    const calib = CALIB ? await calibration(E, gpu, adapter) : undefined;
    const full = FULL ? await fullRun(E, gpu, adapter) : undefined;
    gpu.destroy();
    const table = markdown(calib, full);
    console.log(table);
    const file = path.join(root, quick ? 'bench/out/results-quick.json' : 'bench/results.json');
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { trainStep?: object }) : {};
    // a --full run with fewer iterations or images than the yardstick's is a smoke test: not recorded
    const fullKept = full && FULL_ITERS === 2000 && FULL_IMAGES === 1024 ? { full } : {};
    const trainStep = { ...prev.trainStep, ...(calib ? { calibration: calib } : {}), ...fullKept };
    writeFileSync(file, JSON.stringify({ ...prev, trainStep }, null, 2) + '\n');
    mkdirSync(path.join(root, 'bench/out'), { recursive: true });
    writeFileSync(path.join(root, 'bench/out/calib-time.md'), table + '\n');
    const parts = [...(calib ? ['trainStep.calibration'] : []), ...(fullKept.full ? ['trainStep.full'] : [])];
    if (full && !fullKept.full) say(`the --full run had ${FULL_ITERS} iterations and ${FULL_IMAGES} images, not the yardstick's 2000 and 1024: not recorded in ${path.relative(root, file)}`);
    say(`wrote ${parts.length ? `${path.relative(root, file)} (${parts.join(', ')}) and ` : ''}bench/out/calib-time.md`);
  });
}

runMain('calibration-time bench', main);
