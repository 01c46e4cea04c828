// SQuant / APoT bench (issue 13, Node + Dawn): ResNet-20 data-free SQuant vs nearest with the same noise-pass ranges,
// APoT vs uniform weights (nearest MSE α and QDrop), and SQuant's GPU time per layer on each CPU Vulkan adapter.
//   npx tsx bench/squant-apot.ts [--quick] [--test N] [--calib N] [--iters N] [--adapters lavapipe,swiftshader] [--no-qdrop]
// Results go to bench/results.json under `squantApot` (other keys kept); --quick: bench/out/results-quick.json.
// Dawn picks its Vulkan driver once per process, so each timing adapter runs in a child (`--child ADAPTER`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'vite';
import type * as Ptq from '../src/cli/ptq';
import type * as Top1M from '../src/cli/top1';
import type * as DataFree from '../src/quant/data-free';
import type * as Squant from '../src/quant/squant';
import type * as Export from '../src/quant/export-qdq';
import type * as Recon from '../src/recon/reconstruct';
import type * as ImageSets from '../src/data/image-set-node';
import type * as NodeGpu from '../src/gpu/node-gpu';
import type * as GpuModule from '../src/gpu/gpu';
import type { QuantState } from '../src/quant/types';
import { flagValue, median, root, runMain, shared } from './lib/engine';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const TEST = Number(flagValue(argv, 'test') ?? (quick ? 100 : 1000));
// 256 calibration images (not the yardstick's 1024) and 100 QDrop iterations keep the bench near 45 min on 2 loaded cores
const CALIB = Number(flagValue(argv, 'calib') ?? (quick ? 32 : 256));
const ITERS = Number(flagValue(argv, 'iters') ?? (quick ? 5 : 100));
const RECON_BATCH = quick ? 8 : 32;
const SEED = 1005;
const ADAPTERS = (flagValue(argv, 'adapters') ?? 'lavapipe,swiftshader').split(',').filter(Boolean);
const CHILD = flagValue(argv, 'child');
const REPS = quick ? 2 : 5;
const BATCH = 100;
const DATA_FREE: [number, number][] = quick ? [[8, 8], [4, 4]] : [[8, 8], [6, 6], [4, 8], [4, 4], [3, 8]];
const APOT: [number, number][] = quick ? [[4, 4]] : [[3, 8], [4, 4]];
const MARK = '@@squant-timing ';
const modelPath = path.join(shared, 'models/resnet20_cifar10.onnx');
const started = Date.now();
const say = (s: string) => console.error(`[squant-apot ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)} %`);
const r1 = (x: number) => Math.round(x * 10) / 10;

interface Eval { studioTop1: number | null; onnxTop1: number | null; agree: number | null }
interface Timing { adapter: string; label: string; reps: number; coldMs: number; totalMs: number; wallMs: number; layers: { node: string; ms: number; weights: number }[]; loadAvg1m: [number, number] }

/** The engine's modules through Vite's SSR loader (tsx cannot evaluate import.meta.glob). */
async function withModules<T>(fn: (x: { ptq: typeof Ptq; top1: typeof Top1M; df: typeof DataFree; sq: typeof Squant; qdq: typeof Export; recon: typeof Recon; sets: typeof ImageSets; gpu: Awaited<ReturnType<typeof NodeGpu.nodeGpu>>; adapter: string }) => Promise<T>): Promise<T> {
  const vite = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom', cacheDir: 'bench/out/.vite-ssr' });
  try {
    const load = <M>(p: string) => vite.ssrLoadModule(p) as Promise<M>;
    const gpu = await (await load<typeof NodeGpu>('/src/gpu/node-gpu.ts')).nodeGpu();
    const adapter = (await load<typeof GpuModule>('/src/gpu/gpu.ts')).adapterLabel(gpu.adapter);
    const mods = { ptq: await load<typeof Ptq>('/src/cli/ptq.ts'), top1: await load<typeof Top1M>('/src/cli/top1.ts'), df: await load<typeof DataFree>('/src/quant/data-free.ts'), sq: await load<typeof Squant>('/src/quant/squant.ts'), qdq: await load<typeof Export>('/src/quant/export-qdq.ts'), recon: await load<typeof Recon>('/src/recon/reconstruct.ts'), sets: await load<typeof ImageSets>('/src/data/image-set-node.ts') };
    try {
      return await fn({ ...mods, gpu, adapter });
    } finally {
      gpu.destroy();
    }
  } finally {
    await vite.close();
  }
}

/** Child: SQuant of every ResNet-20 layer at W4A4 (all layers 4-bit), one cold run then REPS timed; per-layer medians. */
async function timingChild(adapter: string): Promise<void> {
  const loadStart = load1();
  const t = await withModules(async ({ ptq, df, sq, gpu, adapter: label }) => {
    const m = await ptq.openModel(gpu, modelPath);
    const config = df.lastInput8bit(m.session.graph, ptq.quantConfig({ wBits: 4, aBits: 4, observer: 'minmax', firstLast8bit: false, calibCount: 0 }));
    const state = await df.calibrateDataFree(m.session, config, { batch: 32 });
    const cold = await sq.squantWeights(m.session, state);
    const runs: Squant.SquantResult[] = [];
    const walls: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      runs.push(await sq.squantWeights(m.session, state));
      walls.push(performance.now() - t0);
    }
    const layers = cold.layers.map((l, k) => ({ node: l.node, ms: Math.round(median(runs.map((r) => r.layers[k].ms)) * 100) / 100, weights: l.weights }));
    m.session.dispose();
    return { label, coldMs: r1(cold.ms), totalMs: r1(median(runs.map((r) => r.ms))), wallMs: r1(median(walls)), layers };
  });
  const out: Timing = { adapter, reps: REPS, ...t, loadAvg1m: [loadStart, load1()] };
  console.log(MARK + JSON.stringify(out));
}

function runTiming(adapter: string): Timing | { adapter: string; error: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, QUANT_STUDIO_VULKAN: adapter };
  delete env.VK_ICD_FILENAMES;
  const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['bench/squant-apot.ts', '--child', adapter, ...(quick ? ['--quick'] : [])], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 15 * 60_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  return line ? (JSON.parse(line.slice(MARK.length)) as Timing) : { adapter, error: `child exited with ${r.status ?? r.signal}` };
}

interface DataFreeRow { config: string; nearest: Eval; squant: Eval; sameActRanges: boolean; gapPp: number | null; gapImages: number | null; images: number; squantMs: number; moved: number; weights: number }
interface ApotRow extends Eval { config: string; grid: string; method: string; calibSeconds: number; reconSeconds: number | null }

async function main(): Promise<void> {
  for (const p of [modelPath, path.join(shared, 'data/cifar10/test'), path.join(shared, 'data/cifar10/train')]) if (!existsSync(p)) throw new Error(`${p} not found`);
  const loadStart = load1();
  const timing = ADAPTERS.map((a) => {
    say(`SQuant timing on ${a} (child process) …`);
    const t = runTiming(a);
    say('error' in t ? `${a}: ${t.error}` : `${a} (${t.label}): whole model ${t.totalMs} ms GPU (cold ${t.coldMs} ms), wall ${t.wallMs} ms; load ${t.loadAvg1m.join(' → ')}`);
    return t;
  });
  const res = await withModules(async ({ ptq, top1, df, qdq, recon, sets, gpu, adapter }) => {
    const m = await ptq.openModel(gpu, modelPath);
    const test = sets.openImageSet(path.join(shared, 'data/cifar10/test'), m.preset, { limit: TEST });
    const calib = sets.openImageSet(path.join(shared, 'data/cifar10/train'), m.preset, { limit: CALIB });
    say(`adapter ${adapter}; ${test.count} test images, ${calib.count} calibration images; QDrop ${ITERS} iterations per block, batch ${RECON_BATCH}, seed ${SEED}`);
    let lastSay = 0;
    const progress: Ptq.PtqProgress = (phase, done, total, detail) => {
      if (done < total && Date.now() - lastSay < 30_000) return;
      lastSay = Date.now();
      say(`  ${phase} ${done}/${total}${detail ? ` (${detail})` : ''}`);
    };
    const ev = (q: Top1M.Top1 | null, o: Top1M.Top1 | null): Eval => ({ studioTop1: top1.top1Rate(q), onnxTop1: top1.top1Rate(o), agree: q && o ? top1.agreement(q, o) : null });
    const float = await ptq.floatTop1(m, test, BATCH, progress, true);
    const floatEval = ev(float.studio, float.onnx);
    say(`float: studio ${pct(floatEval.studioTop1)}, onnxruntime ${pct(floatEval.onnxTop1)}`);

    // 1. data-free: the same config (MinMax weights, every layer at W bits, noise-pass ranges) rounded to nearest and by SQuant
    const dataFree: DataFreeRow[] = [];
    for (const [w, a] of DATA_FREE) {
      const config = df.lastInput8bit(m.session.graph, ptq.quantConfig({ wBits: w, aBits: a, observer: 'minmax', firstLast8bit: false, calibCount: 0 }));
      const run = { evalSet: test, opset: 13 as const, batch: BATCH, progress };
      const near = await ptq.quantizeAndEvaluate(m, config, run);
      const sqr = await ptq.quantizeAndEvaluate(m, config, { ...run, squant: true });
      const layers = sqr.squant ?? [];
      const gapImages = near.quant && sqr.quant ? sqr.quant.correct - near.quant.correct : null;
      const row: DataFreeRow = {
        config: `W${w}A${a}`,
        nearest: ev(near.quant, near.onnx),
        squant: ev(sqr.quant, sqr.onnx),
        sameActRanges: JSON.stringify(near.state.acts) === JSON.stringify(sqr.state.acts),
        gapPp: gapImages === null ? null : Math.round((10000 * gapImages) / test.count) / 100,
        gapImages,
        images: test.count,
        squantMs: r1(layers.reduce((t, l) => t + l.ms, 0)),
        moved: layers.reduce((t, l) => t + l.moved, 0),
        weights: layers.reduce((t, l) => t + l.weights, 0),
      };
      dataFree.push(row);
      say(`${row.config} data-free: nearest ${pct(row.nearest.studioTop1)} (onnxruntime ${pct(row.nearest.onnxTop1)}), SQuant ${pct(row.squant.studioTop1)} (onnxruntime ${pct(row.squant.onnxTop1)}); gap ${row.gapPp} pp; same ranges ${row.sameActRanges}`);
    }

    // 2. APoT vs uniform: one MSE calibration per grid, evaluated as is (nearest) and after QDrop from it
    const evalState = async (state: QuantState): Promise<Eval> => {
      const bytes = qdq.exportQdq(m.session.model, m.session.graph, state, { opset: 13 });
      const q = await top1.engineTop1(m.session, m, test, { batch: BATCH, quant: true });
      return ev(q, await top1.onnxruntimeTop1(bytes, m, test, { batch: BATCH }));
    };
    const apot: ApotRow[] = [];
    for (const [w, a] of APOT) {
      for (const grid of ['uniform', 'apot'] as const) {
        const config = ptq.quantConfig({ wBits: w, aBits: a, observer: 'mse', wLevels: grid, calibCount: calib.count });
        const cal = await ptq.calibrateOn(m, config, calib, BATCH, progress);
        const base = { config: `W${w}A${a}`, grid, calibSeconds: r1(cal.seconds) };
        apot.push({ ...base, method: 'nearest (MSE α)', ...(await evalState(cal.state)), reconSeconds: null });
        say(`${base.config} ${grid} nearest: studio ${pct(apot[apot.length - 1].studioTop1)}, onnxruntime ${pct(apot[apot.length - 1].onnxTop1)}, calibration ${base.calibSeconds} s`);
        if (argv.includes('--no-qdrop')) continue;
        const cfg: Recon.ReconConfig = { ...recon.RECON_DEFAULTS, ...recon.methodDefaults('qdrop'), method: 'qdrop', iters: ITERS, batch: RECON_BATCH, seed: SEED };
        const t0 = performance.now();
        const state = await recon.reconstruct(m.session, cal.state, cfg, { batches: () => calib.batches(BATCH), count: calib.count }, { onBlockEnd: (s) => say(`    ${s.block.name}: loss ${s.firstLoss.toPrecision(4)} → ${s.lastLoss.toPrecision(4)}, ${(s.iters / s.seconds).toFixed(2)} it/s`) });
        const reconSeconds = r1((performance.now() - t0) / 1000);
        apot.push({ ...base, method: `QDrop ${ITERS} it/block`, ...(await evalState(state)), reconSeconds });
        say(`${base.config} ${grid} QDrop: studio ${pct(apot[apot.length - 1].studioTop1)}, onnxruntime ${pct(apot[apot.length - 1].onnxTop1)}, reconstruction ${reconSeconds} s`);
      }
    }
    m.session.dispose();
    return { adapter, testImages: test.count, calibImages: calib.count, float: floatEval, dataFree, apot };
  });
  const squantApot = { date: new Date().toISOString(), quick, ...res, cores: os.cpus().length, qdrop: { itersPerBlock: ITERS, batch: RECON_BATCH, seed: SEED }, timing, loadAvg1m: { start: loadStart, end: load1() }, totalSeconds: Math.round((Date.now() - started) / 1000) };
  const table = markdown(squantApot);
  console.log(table);
  const file = path.join(root, quick ? 'bench/out/results-quick.json' : 'bench/results.json');
  mkdirSync(path.join(root, 'bench/out'), { recursive: true });
  // read-modify-write: only `squantApot` is replaced
  const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
  writeFileSync(file, JSON.stringify({ ...prev, squantApot }, null, 2) + '\n');
  writeFileSync(path.join(root, 'bench/out/squant-apot-table.md'), table + '\n');
  say(`wrote ${path.relative(root, file)} (squantApot) and bench/out/squant-apot-table.md`);
}

type Results = { date: string; adapter: string; testImages: number; calibImages: number; float: Eval; dataFree: DataFreeRow[]; apot: ApotRow[]; cores: number; qdrop: { itersPerBlock: number; batch: number; seed: number }; timing: (Timing | { adapter: string; error: string })[]; loadAvg1m: { start: number; end: number }; totalSeconds: number };

function markdown(r: Results): string {
  const n = r.testImages;
  const agree = (e: Eval) => (e.agree === null ? 'n/a' : `${e.agree}/${n}`);
  const L = [
    `## ResNet-20 SQuant (data-free) and APoT — ${r.date.slice(0, 10)}`,
    '',
    `${n} test images; studio = our fake-quant engine on ${r.adapter}; onnxruntime = onnxruntime-node on the exported QDQ file (opset 13). ${r.cores} CPU cores, 1-minute load average ${r.loadAvg1m.start} at start, ${r.loadAvg1m.end} at end. Float: studio ${pct(r.float.studioTop1)}, onnxruntime ${pct(r.float.onnxTop1)}.`,
    '',
    'Data-free: weights per channel MinMax asymmetric, every layer at W bits (the last layer\'s input 8-bit); activation ranges α·σ from one noise pass, the same for both rows of a config.',
    '',
    '| config | float top-1 | nearest studio | nearest onnxruntime | SQuant studio | SQuant onnxruntime | studio = onnxruntime (nearest · SQuant) | SQuant − nearest | same ranges | SQuant GPU ms | weights moved |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of r.dataFree) {
    const gap = x.gapPp === null ? 'n/a' : `${x.gapPp >= 0 ? '+' : ''}${x.gapPp.toFixed(2)} pp (${x.gapImages! >= 0 ? '+' : ''}${x.gapImages} of ${x.images} images)`;
    L.push(`| ${x.config} | ${pct(r.float.studioTop1)} | ${pct(x.nearest.studioTop1)} | ${pct(x.nearest.onnxTop1)} | ${pct(x.squant.studioTop1)} | ${pct(x.squant.onnxTop1)} | ${agree(x.nearest)} · ${agree(x.squant)} | ${gap} | ${x.sameActRanges ? 'yes' : 'NO'} | ${x.squantMs} | ${x.moved}/${x.weights} |`);
  }
  L.push('', `APoT vs uniform weights: MSE α (weights per channel; APoT: the APoT MSE search), MSE activation ranges, first/last layer 8-bit (uniform), ${r.calibImages} calibration images (first of ../shared/data/cifar10/train); QDrop ${r.qdrop.itersPerBlock} iterations per block, batch ${r.qdrop.batch}, seed ${r.qdrop.seed}, from the same calibration.`, '');
  L.push('| config | weight grid | method | studio top-1 | onnxruntime top-1 | studio = onnxruntime | calibration s | reconstruction s |', '|---|---|---|---:|---:|---:|---:|---:|');
  for (const x of r.apot) L.push(`| ${x.config} | ${x.grid} | ${x.method} | ${pct(x.studioTop1)} | ${pct(x.onnxTop1)} | ${agree(x)} | ${x.calibSeconds} | ${x.reconSeconds ?? '—'} |`);
  L.push('', `SQuant time, ResNet-20 at W4 (all ${r.timing.map((t) => ('error' in t ? 0 : t.layers.length)).find((k) => k > 0) ?? '?'} weight layers), per adapter (child process): GPU ms as the engine reports it (submission to completion of each layer's dispatches), median of the timed runs after a cold one.`, '');
  L.push('| adapter | whole model GPU ms | cold run ms | wall ms (incl. layout, readback) | slowest layer | runs | 1-min load |', '|---|---:|---:|---:|---|---:|---|');
  for (const t of r.timing) {
    if ('error' in t) L.push(`| ${t.adapter} | error: ${t.error} | | | | | |`);
    else {
      const slow = t.layers.reduce((a, l) => (l.ms > a.ms ? l : a));
      L.push(`| ${t.adapter}: ${t.label} | ${t.totalMs} | ${t.coldMs} | ${t.wallMs} | ${slow.node} ${slow.ms} ms | ${t.reps} | ${t.loadAvg1m.join(' → ')} |`);
    }
  }
  for (const t of r.timing) if (!('error' in t)) L.push('', `Per layer on ${t.adapter} (ms): ` + t.layers.map((l) => `${l.node} ${l.ms}`).join('; '));
  return L.join('\n');
}

runMain('squant-apot bench', CHILD ? () => timingChild(CHILD) : main);
