// Reconstruction bench of `npm run bench` (Node, Dawn): ResNet-20 top-1 for nearest (MSE ranges),
// AdaRound, BRECQ and QDrop at W4A4, W3A3 and W2A4 — 1024 calibration images from
// ../shared/data/cifar10/train, the 1000 test images, 2000 iterations per block, seeds 1005-1007
// (the issue's yardstick setup: the mean of 3 seeds) — through src/cli/ptq.ts as `quant-studio quantize --method` runs it,
// with reconstruction throughput per block (iterations/s, achieved GFLOP/s) and the wall time of
// the W2A4 QDrop run beside the official PyTorch code's CPU time on a 2-core machine (46 min).
//   npx tsx bench/recon.ts [--quick] [--iters N] [--calib N] [--test N] [--seeds 1005,1006,1007]
//                          [--configs W2A4,W4A4] [--methods nearest,qdrop] [--batch 32]
//                          [--early-stop] [--cache-precision auto|f32|f16] [--checkpoint DIR]
// --checkpoint DIR: each reconstruction row keeps a checkpoint in its own folder under DIR after
// every block (src/cli/checkpoint.ts) and, when one is there, continues it: a long run stopped or
// killed goes on where it was with the same command, also in a later session. Its figures then
// add up the blocks of every session (the checkpoint keeps each block's seconds).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type * as Ptq from '../src/cli/ptq';
import type * as Checkpoints from '../src/cli/checkpoint';
import type * as Top1 from '../src/cli/top1';
import type * as ImageSets from '../src/data/image-set-node';
import type * as NodeGpu from '../src/gpu/node-gpu';
import type * as GpuModule from '../src/gpu/gpu';
import type * as Recon from '../src/recon/reconstruct';
import type * as Analysis from '../src/recon/analysis';
import { yardstick } from './lib/yardstick';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const shared = path.resolve(root, '../shared');
const modelPath = path.join(shared, 'models/resnet20_cifar10.onnx');
const calibDir = path.join(shared, 'data/cifar10/train');
const testDir = path.join(shared, 'data/cifar10/test');
const ITERS = Number(flag('iters') ?? (quick ? 10 : 2000));
const CALIB = Number(flag('calib') ?? (quick ? 32 : 1024));
const TEST = Number(flag('test') ?? (quick ? 100 : 1000));
const BATCH = Number(flag('batch') ?? (quick ? 8 : 32));
const SEEDS = (flag('seeds') ?? (quick ? '1005' : '1005,1006,1007')).split(',').map(Number);
const EARLY_STOP = argv.includes('--early-stop');
const CACHE_PRECISION = (flag('cache-precision') ?? 'auto') as Recon.ReconConfig['cachePrecision'];
const CONFIGS = (flag('configs') ?? (quick ? 'W2A4' : 'W4A4,W3A3,W2A4')).split(',').map((c) => {
  const m = /^W(\d)A(\d)$/.exec(c);
  if (!m) throw new Error(`--configs: "${c}" is not like W2A4`);
  return [Number(m[1]), Number(m[2])] as [number, number];
});
const METHODS = (flag('methods') ?? (quick ? 'nearest,qdrop' : 'nearest,adaround,brecq,qdrop')).split(',') as Recon.ReconMethod[];
const OFFICIAL_W2A4_QDROP_MIN = 46;
const CHECKPOINTS = flag('checkpoint');

interface BlockRate {
  block: string;
  iters: number;
  seconds: number;
  /** Seconds before training (the block's caches and program); absent in runs before 2026-12-03. */
  cacheSeconds?: number;
  itersPerSecond: number;
  gflops: number;
  /** Trained in an earlier session of a resumed run (its GFLOP/s not recomputed: 0). */
  earlierSession?: boolean;
}

interface ReconRow {
  config: string;
  method: string;
  seed: number | null;
  studioTop1: number | null;
  onnxTop1: number | null;
  agree: number | null;
  calibSeconds: number;
  reconSeconds: number;
  blocks: BlockRate[];
  /** The official QDrop code's top-1 % for this config, method and schedule (bench/lib/yardstick.ts). */
  official?: number | null;
  /** Our target % for the mean over seeds. */
  target?: number | null;
}

const started = Date.now();
const say = (s: string) => console.error(`[recon ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)} %`);

async function main(): Promise<void> {
  for (const p of [modelPath, calibDir, testDir]) if (!existsSync(p)) throw new Error(`${p} not found (the shared models and data sit in ../shared)`);
  const vite = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom', cacheDir: 'bench/out/.vite-ssr' });
  try {
    const ptq = (await vite.ssrLoadModule('/src/cli/ptq.ts')) as typeof Ptq;
    const { agreement, top1Rate } = (await vite.ssrLoadModule('/src/cli/top1.ts')) as typeof Top1;
    const { openImageSet } = (await vite.ssrLoadModule('/src/data/image-set-node.ts')) as typeof ImageSets;
    const { nodeGpu } = (await vite.ssrLoadModule('/src/gpu/node-gpu.ts')) as typeof NodeGpu;
    const { adapterLabel } = (await vite.ssrLoadModule('/src/gpu/gpu.ts')) as typeof GpuModule;
    const recon = (await vite.ssrLoadModule('/src/recon/reconstruct.ts')) as typeof Recon;
    const { analyzeSession } = (await vite.ssrLoadModule('/src/recon/analysis.ts')) as typeof Analysis;
    const { runIdentity } = (await vite.ssrLoadModule('/src/cli/checkpoint.ts')) as typeof Checkpoints;

    const gpu = await nodeGpu();
    const adapter = adapterLabel(gpu.adapter);
    const m = await ptq.openModel(gpu, modelPath);
    const calib = openImageSet(calibDir, m.preset, { limit: CALIB });
    const test = openImageSet(testDir, m.preset, { limit: TEST });
    say(`adapter ${adapter}; ${calib.count} calibration, ${test.count} test images; ${ITERS} iterations per block, batch ${BATCH}; seeds ${SEEDS.join(', ')}`);
    const analysis = analyzeSession(m.session, BATCH);
    /** Training FLOPs of one iteration of a block: forward, weight gradient and (past the first layer) input gradient of every Conv/Gemm. */
    const flopsOf = (layers: string[]): number => {
      let f = 0;
      layers.forEach((name, k) => {
        const g = analysis.gpuNodes.find((n) => n.node.name === name);
        if (!g) return;
        const out = g.outs[0].shape.reduce((a, b) => a * b, 1);
        const w = analysis.shapeOf(g.node.inputs[1]);
        const perOut = g.node.opType === 'Conv' ? w.slice(1).reduce((a, b) => a * b, 1) : w[g.node.opType === 'Gemm' && g.ctx.int('transB', 0) ? 1 : 0];
        f += 2 * out * perOut * (k === 0 ? 2 : 3);
      });
      return f;
    };

    const rows: ReconRow[] = [];
    let lastSay = 0;
    const progress: Ptq.PtqProgress = (phase, done, total, detail) => {
      if (done < total && Date.now() - lastSay < 30_000) return;
      lastSay = Date.now();
      say(`  ${phase} ${done}/${total}${detail ? ` (${detail})` : ''}`);
    };
    for (const [w, a] of CONFIGS) {
      for (const method of METHODS) {
        for (const seed of method === 'nearest' ? [null] : SEEDS) {
          const config = ptq.quantConfig({ wBits: w, aBits: a, observer: 'mse', calibCount: CALIB });
          const blocks: BlockRate[] = [];
          const cfg: Recon.ReconConfig = { ...recon.RECON_DEFAULTS, ...recon.methodDefaults(method), method, iters: ITERS, batch: BATCH, seed: seed ?? 1005, earlyStop: EARLY_STOP, cachePrecision: CACHE_PRECISION };
          let blockStart = 0;
          /** A block trained in an earlier session of a resumed run, from its checkpoint record. */
          const earlier = (b: Checkpoints.BlockRecord, before: boolean, state: Ptq.PtqResult['state']): BlockRate => {
            const layers = recon.reconBlocks(m.session, state, method).find((x) => x.name === b.block)?.layers ?? [];
            const itersPerSecond = b.iters / b.seconds;
            return { block: b.block, iters: b.iters, seconds: Math.round(b.seconds * 10) / 10, ...(b.cacheSeconds === undefined ? {} : { cacheSeconds: Math.round(b.cacheSeconds * 10) / 10 }), itersPerSecond: Math.round(itersPerSecond * 100) / 100, gflops: Math.round((flopsOf(layers) * itersPerSecond) / 1e7) / 100, earlierSession: before };
          };
          const ckDir = CHECKPOINTS && method !== 'nearest' ? path.resolve(CHECKPOINTS, `W${w}A${a}-${method}-s${seed}-i${ITERS}-b${BATCH}-c${calib.count}${EARLY_STOP ? '-early' : ''}`) : null;
          const r = await ptq.quantizeAndEvaluate(m, config, {
            checkpoint: ckDir
              ? { dir: ckDir, resume: true, identity: runIdentity(m.bytes, path.relative(root, modelPath), config, cfg, calibDir, calib), onResume: (c) => say(`  resuming ${ckDir}: ${c.nextBlock} of ${c.blocks} blocks done`) }
              : undefined,
            calib,
            evalSet: test,
            opset: 13,
            batch: 100,
            progress,
            recon: {
              cfg,
              events: {
                onBlockStart: (b, i, n) => {
                  blockStart = Date.now();
                  say(`  W${w}A${a} ${method} seed ${seed}: block ${i + 1}/${n} ${b.name}`);
                },
                onLoss: (b, pts, done) => {
                  if (Date.now() - lastSay < 30_000) return;
                  lastSay = Date.now();
                  const rate = done / ((Date.now() - blockStart) / 1000);
                  say(`    ${b.name} ${done}/${ITERS}: loss ${pts[pts.length - 1].rec.toPrecision(4)} · ${rate.toFixed(2)} it/s`);
                },
                onBlockEnd: (sum) => {
                  const itersPerSecond = sum.iters / sum.seconds;
                  blocks.push({ block: sum.block.name, iters: sum.iters, seconds: Math.round(sum.seconds * 10) / 10, cacheSeconds: Math.round(sum.cacheSeconds * 10) / 10, itersPerSecond: Math.round(itersPerSecond * 100) / 100, gflops: Math.round((flopsOf(sum.block.layers) * itersPerSecond) / 1e7) / 100 });
                  say(`    ${sum.block.name}: loss ${sum.firstLoss.toPrecision(4)} → ${sum.lastLoss.toPrecision(4)}, ${itersPerSecond.toFixed(2)} it/s, ${blocks[blocks.length - 1].gflops} GFLOP/s`);
                },
              },
            },
          });
          const row: ReconRow = {
            config: `W${w}A${a}`,
            method,
            seed,
            studioTop1: top1Rate(r.quant),
            onnxTop1: top1Rate(r.onnx),
            agree: r.quant && r.onnx && agreement(r.quant, r.onnx),
            calibSeconds: Math.round((r.history?.calibSeconds ?? r.calibSeconds) * 10) / 10,
            reconSeconds: Math.round((r.history ? r.history.blocks.reduce((t, b) => t + b.seconds, 0) : r.reconSeconds) * 10) / 10,
            blocks: r.history ? r.history.blocks.map((b, i) => blocks.find((x) => x.block === b.block) ?? earlier(b, i < r.history!.resumedAt, r.state)) : blocks,
            official: yardstick(`W${w}A${a}`, method, ITERS)?.official ?? null,
            target: yardstick(`W${w}A${a}`, method, ITERS)?.target ?? null,
          };
          rows.push(row);
          say(`W${w}A${a} ${method}${seed === null ? '' : ` seed ${seed}`}: studio ${pct(row.studioTop1)}, onnxruntime ${pct(row.onnxTop1)}, reconstruction ${row.reconSeconds} s`);
        }
      }
    }
    const date = new Date().toISOString();
    const table = markdown(rows, adapter, date);
    console.log(table);
    const file = path.join(root, quick ? 'bench/out/results-quick.json' : 'bench/results.json');
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { reconstruction?: ReconRun | ReconRun[] }) : {};
    const run: ReconRun = { date, quick, adapter, cores: os.cpus().length, calibImages: calib.count, testImages: test.count, itersPerBlock: ITERS, batch: BATCH, seeds: SEEDS, earlyStop: EARLY_STOP, rows, totalSeconds: Math.round((Date.now() - started) / 1000) };
    // one entry per setup (images, iterations, batch, seeds, configs × methods): a run replaces the
    // earlier run of the same setup and keeps the others
    const setup = (r: ReconRun) => JSON.stringify([r.calibImages, r.testImages, r.itersPerBlock, r.batch, r.seeds, r.earlyStop ?? false, [...new Set(r.rows.map((x) => `${x.config} ${x.method}`))].sort()]);
    const runs = [prev.reconstruction ?? []].flat().filter((r) => setup(r) !== setup(run));
    mkdirSync(path.join(root, 'bench/out'), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...prev, reconstruction: [...runs, run] }, null, 2) + '\n');
    writeFileSync(path.join(root, 'bench/out/recon-table.md'), table + '\n');
    say(`wrote ${path.relative(root, file)} (reconstruction) and bench/out/recon-table.md`);
    m.session.dispose();
    gpu.destroy();
  } finally {
    await vite.close();
  }
}

interface ReconRun {
  date: string;
  quick: boolean;
  adapter: string;
  cores: number;
  calibImages: number;
  testImages: number;
  itersPerBlock: number;
  batch: number;
  seeds: number[];
  earlyStop?: boolean;
  rows: ReconRow[];
  totalSeconds: number;
}

function markdown(rows: ReconRow[], adapter: string, date: string): string {
  const lines = [
    `## ResNet-20 reconstruction (AdaRound / BRECQ / QDrop) — ${date.slice(0, 10)}`,
    '',
    `${CALIB} calibration images (first of ../shared/data/cifar10/train), ${TEST} test images, ${ITERS} iterations per block, batch ${BATCH}, MSE ranges, first/last layer 8-bit; ${adapter}; ${os.cpus().length} CPU cores.`,
    '',
    '| config | method | seed | studio top-1 | onnxruntime top-1 | studio = onnxruntime | reconstruction s (incl. caching) | it/s (all blocks) | GFLOP/s (all blocks) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    // over all blocks: iterations / training seconds, and FLOP-weighted GFLOP/s
    const secs = r.blocks.reduce((a, b) => a + b.seconds, 0);
    const its = r.blocks.length ? (r.blocks.reduce((a, b) => a + b.iters, 0) / secs).toFixed(2) : '—';
    const gf = r.blocks.length ? (r.blocks.reduce((a, b) => a + b.gflops * b.seconds, 0) / secs).toFixed(2) : '—';
    lines.push(`| ${r.config} | ${r.method} | ${r.seed ?? '—'} | ${pct(r.studioTop1)} | ${pct(r.onnxTop1)} | ${r.agree === null ? 'n/a' : `${r.agree}/${TEST}`} | ${r.reconSeconds || '—'} | ${its} | ${gf} |`);
  }
  // the issue's yardstick: mean over seeds beside the target and the official code's figure
  const groups = new Map<string, ReconRow[]>();
  for (const r of rows) groups.set(`${r.config} ${r.method}`, [...(groups.get(`${r.config} ${r.method}`) ?? []), r]);
  lines.push('', '| config · method | seeds | mean studio top-1 | mean onnxruntime top-1 | target | official code |', '|---|---:|---:|---:|---:|---:|');
  for (const [key, rs] of groups) {
    const mean = (f: (r: ReconRow) => number | null) => (rs.every((r) => f(r) !== null) ? rs.reduce((a, r) => a + f(r)!, 0) / rs.length : null);
    const y = yardstick(rs[0].config, rs[0].method, ITERS);
    lines.push(`| ${key} | ${rs.length} | ${pct(mean((r) => r.studioTop1))} | ${pct(mean((r) => r.onnxTop1))} | ${y?.target ? `≥ ${y.target} %` : (y?.note ?? '—')} | ${y?.official ? `${y.official} %` : '—'} |`);
  }
  const w2 = rows.filter((r) => r.config === 'W2A4' && r.method === 'qdrop');
  if (w2.length) {
    const mins = w2.reduce((a, r) => a + r.reconSeconds, 0) / w2.length / 60;
    lines.push('', `W2A4 QDrop wall time (reconstruction): ${mins.toFixed(1)} min here, at ${ITERS} iterations per block; the official PyTorch code on a 2-core CPU machine: ${OFFICIAL_W2A4_QDROP_MIN} min at 2000.`);
  }
  const first = rows.find((r) => r.blocks.length);
  if (first) {
    lines.push('', `Per block (${first.config} ${first.method}): ` + first.blocks.map((b) => `${b.block} ${b.itersPerSecond} it/s (${b.gflops} GFLOP/s)`).join('; '));
  }
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`reconstruction bench failed: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
