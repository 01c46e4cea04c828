// `npm run bench`: serves bench/index.html with a Vite dev server, opens it in headless Chromium
// (WebGPU via the flags in playwright.config.ts) and measures, in that one page and on one adapter,
// ResNet-20 forward throughput (our engine vs onnxruntime-web WebGPU vs WASM, batch 1 and 32, each
// run() timed with readback of the outputs) and conv GFLOP/s on ResNet-20/18 shapes. Prints markdown
// tables and writes bench/results.json (committed: the latest figures).
// `node bench/run.mjs --quick` is a smoke run: short budgets, results in bench/out/ only.
// Then bench/accuracy.ts (Node, Dawn) adds the PTQ accuracy table; --no-accuracy skips it; and
// bench/recon.ts the reconstruction table (AdaRound/BRECQ/QDrop, throughput); --no-recon skips it.
// Before it, bench/train-step.ts (training-step table per Vulkan driver beside PyTorch) and
// bench/calib-time.ts (MSE calibration seconds; --full: a whole W2A4 QDrop run); --no-train-step
// skips both, --no-calib-time the second. bench/hostile.ts runs the hostile corpus through the CLI
// (counts in results.json under `hostile`); --no-hostile skips it. bench/zoo.ts: the model zoo (results.json `zoo`); --no-zoo skips it.
/* global setTimeout, clearTimeout, window -- window: the page.evaluate callbacks run in the page */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { chromium } from '@playwright/test';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const started = Date.now();
const loadStart = os.loadavg()[0];
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
const say = (s) => console.error(`[bench ${elapsed()}] ${s}`);

const MODEL_CANDIDATES = [
  path.resolve(repoRoot, '../shared/models/resnet20_cifar10.onnx'),
  path.resolve(repoRoot, 'public/demo/resnet20_cifar10.onnx'),
];
const modelPath = MODEL_CANDIDATES.find((p) => existsSync(p));
if (!modelPath) {
  console.error(`bench: ResNet-20 not found (looked at ${MODEL_CANDIDATES.join(', ')})`);
  process.exit(1);
}

const LABEL = { ours: 'ours (Quant Studio engine)', 'ort-webgpu': 'onnxruntime-web WebGPU EP', 'ort-wasm': 'onnxruntime-web WASM EP' };

// Iteration plan, sized for SwiftShader on 2 cores (ours ~8 images/s, ORT WebGPU ~3, WASM ~300):
// the first run is a warm-up (plan + shader compilation), then timed runs until both minIters and
// budgetMs are reached (or maxIters). timeoutMs bounds the whole step, session creation included.
const s = quick ? 0.2 : 1;
const MODEL_STEPS = [
  { backend: 'ort-wasm', batch: 1, warmup: 5, minIters: 10, maxIters: 500, budgetMs: 4000 * s, timeoutMs: 90_000 },
  { backend: 'ort-wasm', batch: 32, warmup: 2, minIters: 5, maxIters: 200, budgetMs: 8000 * s, timeoutMs: 90_000 },
  { backend: 'ours', batch: 1, warmup: 3, minIters: 5, maxIters: 200, budgetMs: 12_000 * s, timeoutMs: 150_000 },
  { backend: 'ours', batch: 32, warmup: 2, minIters: quick ? 1 : 3, maxIters: 50, budgetMs: 30_000 * s, timeoutMs: 210_000 },
  { backend: 'ort-webgpu', batch: 1, warmup: 2, minIters: quick ? 2 : 5, maxIters: 200, budgetMs: 12_000 * s, timeoutMs: 150_000 },
  { backend: 'ort-webgpu', batch: 32, warmup: 1, minIters: quick ? 1 : 2, maxIters: 50, budgetMs: 30_000 * s, timeoutMs: 240_000 },
];
// [variant, timed dispatches]: 'auto' is what the engine runs; 'naive' (one output per thread, ~10×
// slower) is only a baseline, so it gets a single timed dispatch.
const CONV_VARIANTS = [
  ['auto', quick ? 1 : 3],
  ['naive', 1],
];
const CONV_TIMEOUT_MS = 90_000;
const PAGE_TIMEOUT_MS = 180_000;

/** Serves the model file to the page (it lives outside the Vite root). */
function modelPlugin() {
  return {
    name: 'bench-model',
    configureServer(server) {
      server.middlewares.use('/__bench/model.onnx', (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(modelPath));
      });
    },
  };
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s (${what})`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

const short = (e) => String(e?.message ?? e).split('\n')[0].replace(/^page\.evaluate: (Error: )?/, '').slice(0, 300);

// configFile: false keeps the app's plugins (React, CSP) out; COOP/COEP let onnxruntime-web use threads.
const vite = await createServer({
  root: repoRoot,
  configFile: false,
  logLevel: 'warn',
  clearScreen: false,
  plugins: [modelPlugin()],
  server: {
    port: 5190,
    strictPort: false,
    hmr: false,
    ws: false,
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  // Its own dependency cache, so the app's dev server cache (node_modules/.vite) is left alone.
  cacheDir: 'bench/out/.vite',
  optimizeDeps: { entries: ['bench/index.html'] },
  worker: { format: 'es' },
});

let browser;
let exitCode = 0;
try {
  await vite.listen();
  const base = vite.resolvedUrls.local[0];
  // The same Chromium and flags as the e2e tests.
  const pwConfig = (await vite.ssrLoadModule('/playwright.config.ts')).default;
  const launchOptions = pwConfig.use.launchOptions;
  say(`model ${path.relative(repoRoot, modelPath)}; ${launchOptions.executablePath} ${launchOptions.args.join(' ')}`);
  browser = await chromium.launch({ ...launchOptions, headless: true });

  let page;
  const openPage = async () => {
    if (page) await page.close().catch(() => undefined);
    page = await browser.newPage();
    page.on('pageerror', (e) => say(`page error: ${short(e)}`));
    page.on('console', (m) => {
      // The Vite client's HMR socket is refused on purpose (ws: false); everything else is shown.
      if ((m.type() === 'error' || m.type() === 'warning') && !/\[vite\]|WebSocket/.test(m.text())) say(`console.${m.type()}: ${m.text().slice(0, 300)}`);
    });
    await page.goto(`${base}bench/index.html`, { timeout: PAGE_TIMEOUT_MS });
    await page.waitForFunction(() => 'window' in globalThis && '__bench' in window, null, { timeout: PAGE_TIMEOUT_MS });
  };
  /** One step in the page under a timeout; a step that times out leaves the page busy, so it is replaced. */
  const step = async (what, ms, fn, arg) => {
    try {
      return { ok: true, value: await withTimeout(page.evaluate(fn, arg), ms, what) };
    } catch (e) {
      say(`${what}: ${short(e)}`);
      if (/timed out|Target (page|closed)|has been closed|crashed/i.test(String(e?.message ?? e))) {
        await withTimeout(openPage(), PAGE_TIMEOUT_MS, 'reopening the page').catch((e2) => say(`reopen failed: ${short(e2)}`));
      }
      return { ok: false, error: short(e) };
    }
  };

  say('loading the bench page (Vite transforms on first load)');
  await withTimeout(openPage(), PAGE_TIMEOUT_MS, 'page load');
  const info = await step('page info', 60_000, () => window.__bench.info());
  if (!info.ok) throw new Error(`WebGPU adapter: ${info.error}`);
  const pi = info.value;
  say(`adapter: ${pi.adapter.label}; cross-origin isolated: ${pi.crossOriginIsolated}; hardwareConcurrency ${pi.hardwareConcurrency}`);

  const rows = [];
  const logits = {};
  for (const st of MODEL_STEPS) {
    const { backend, batch, timeoutMs, ...opts } = st;
    say(`${backend} batch ${batch} …`);
    const r = await step(`${backend} batch ${batch}`, timeoutMs, ([b, n, o]) => window.__bench.measure(b, n, o), [backend, batch, opts]);
    if (r.ok) {
      const { logits: y, ...m } = r.value;
      logits[`${backend}/${batch}`] = y;
      rows.push({ ...m, status: 'ok' });
      say(`${backend} batch ${batch}: ${m.imagesPerSec.toFixed(1)} images/s, ${m.msPerBatch.toFixed(1)} ms/batch (${m.iters} runs)`);
    } else {
      rows.push({ backend, batch, status: 'error', error: r.error });
    }
  }
  // Agreement with onnxruntime's WASM EP on the same seeded input.
  for (const row of rows) {
    const ref = logits[`ort-wasm/${row.batch}`];
    const y = logits[`${row.backend}/${row.batch}`];
    if (row.status === 'ok' && ref && y && row.backend !== 'ort-wasm') {
      row.maxAbsDiffVsWasm = y.length === ref.length ? Math.max(...y.map((v, i) => Math.abs(v - ref[i]))) : Infinity;
    }
  }
  const ortGpuOk = rows.some((r) => r.backend === 'ort-webgpu' && r.status === 'ok');
  const oi = await step('ORT info', 30_000, (w) => window.__bench.ortInfo(w), ortGpuOk);
  const ortInfo = oi.ok ? oi.value : { webgpuAdapter: `unknown (${oi.error})`, wasmThreads: 'unknown' };

  const convGflops = [];
  const convErrors = [];
  for (const model of ['resnet20', 'resnet18']) {
    const names = await step(`${model} conv shapes`, 30_000, (m) => window.__bench.convShapeNames(m), model);
    for (const name of names.ok ? names.value : []) {
      for (const [variant, iters] of CONV_VARIANTS) {
        const r = await step(`conv ${name} ${variant}`, CONV_TIMEOUT_MS, ([m, n, v, it]) => window.__bench.conv(m, n, v, it), [model, name, variant, iters]);
        if (r.ok) {
          for (const t of r.value) convGflops.push({ model, iters, ...t });
          say(`conv ${name} ${variant}: ${r.value.map((t) => t.gflops.toFixed(2)).join(', ')} GFLOP/s`);
        } else {
          convErrors.push({ model, name, variant, error: r.error });
        }
      }
    }
  }

  const ratio = (batch) => {
    const a = rows.find((r) => r.backend === 'ours' && r.batch === batch && r.status === 'ok');
    const b = rows.find((r) => r.backend === 'ort-webgpu' && r.batch === batch && r.status === 'ok');
    return a && b ? a.imagesPerSec / b.imagesPerSec : null;
  };
  const convTotals = [];
  for (const model of ['resnet20', 'resnet18']) {
    for (const variant of ['naive', 'auto']) {
      const sel = convGflops.filter((c) => c.model === model && c.variant === variant);
      if (!sel.length) continue;
      const ms = sel.reduce((a, c) => a + c.ms, 0);
      const mflop = sel.reduce((a, c) => a + c.gflops * c.ms, 0); // GFLOP/s × ms = MFLOP
      convTotals.push({ model, variant, shapes: sel.length, gflops: mflop / ms, ms });
    }
  }
  const loadEnd = os.loadavg();
  const results = {
    date: new Date().toISOString(),
    quick,
    adapter: {
      label: pi.adapter.label,
      isFallbackAdapter: pi.adapter.isFallbackAdapter,
      vendor: pi.adapter.vendor,
      architecture: pi.adapter.architecture,
      description: pi.adapter.description,
      features: pi.adapter.features,
      ortWebgpuAdapter: ortInfo.webgpuAdapter,
    },
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      browser: `${launchOptions.executablePath} ${browser.version()}`,
      hardwareConcurrency: pi.hardwareConcurrency,
      crossOriginIsolated: pi.crossOriginIsolated,
      loadAvg1mAtStart: Number(loadStart.toFixed(2)),
      loadAvg1mAtEnd: Number(loadEnd[0].toFixed(2)),
    },
    model: path.relative(repoRoot, modelPath),
    ort: { version: pi.ortVersion, wasmThreads: ortInfo.wasmThreads ?? 'default' },
    method:
      'Same page and adapter for all backends; each session created once; seeded random input [N,3,32,32]; the first run (plan/shader compilation) and further warm-up runs are not timed; each timed run() includes writing the input and reading the logits back to the CPU; ms/batch is the median of the timed runs, images/s = batch / median.',
    rows,
    ratioOursOverOrtWebgpu: { batch1: ratio(1), batch32: ratio(32) },
    convIters: Object.fromEntries(CONV_VARIANTS),
    convGflops,
    convTotals,
    convErrors,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };

  const table = markdown(results);
  console.log(table);
  mkdirSync(path.join(repoRoot, 'bench/out'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'bench/out/last-table.md'), table + '\n');
  const outFile = quick ? 'bench/out/results-quick.json' : 'bench/results.json';
  // Keep what the later steps added to this file in earlier runs: the accuracy table when it is not
  // rerun; the reconstruction runs and the training-step figures always (bench/recon.ts and
  // bench/train-step.ts replace their own entries — one per setup, one per adapter — and keep the rest).
  try {
    const prev = JSON.parse(readFileSync(path.join(repoRoot, outFile), 'utf8'));
    if (prev.accuracy && process.argv.includes('--no-accuracy')) results.accuracy = prev.accuracy;
    if (prev.reconstruction) results.reconstruction = prev.reconstruction;
    if (prev.trainStep) results.trainStep = prev.trainStep;
    if (prev.hostile) results.hostile = prev.hostile;
    if (prev.squantApot) results.squantApot = prev.squantApot;
    if (prev.zoo) results.zoo = prev.zoo;
  } catch {
    // no earlier file
  }
  writeFileSync(path.join(repoRoot, outFile), JSON.stringify(results, null, 2) + '\n');
  say(`wrote ${outFile} and bench/out/last-table.md`);
} catch (e) {
  console.error(`bench failed: ${e?.stack ?? e}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  await vite.close();
}
if (!process.argv.includes('--no-accuracy')) {
  say('accuracy table (bench/accuracy.ts, Node + Dawn) …');
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const acc = spawnSync(tsx, ['bench/accuracy.ts', ...(quick ? ['--quick'] : [])], { cwd: repoRoot, stdio: 'inherit' });
  if (acc.status !== 0) exitCode = 1;
}
if (!process.argv.includes('--no-hostile')) {
  // A minute or two: the hostile corpus (bench/hostile.ts: ~130 malformed models, image folders and
  // paths through the CLI); its counts go to results.json under `hostile` (--quick: the fast subset, not written).
  say('hostile corpus (bench/hostile.ts) …');
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const h = spawnSync(tsx, ['bench/hostile.ts', ...(quick ? ['--fast'] : [])], { cwd: repoRoot, stdio: 'inherit' });
  if (h.status !== 0) exitCode = 1;
}
if (!process.argv.includes('--no-train-step')) {
  // Minutes: one W2A4 QDrop iteration of three blocks per Vulkan driver present, the PyTorch peer
  // (skipped with a note when python3-torch is absent), then MSE calibration seconds (W4A4, W8A8);
  // --full adds a whole W2A4 QDrop ResNet-20 run at 2000 iterations per block (hours on a CPU adapter).
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  say('training-step table (bench/train-step.ts: one child process per Vulkan driver, PyTorch peer) …');
  const ts = spawnSync(tsx, ['bench/train-step.ts', ...(quick ? ['--quick'] : [])], { cwd: repoRoot, stdio: 'inherit' });
  if (ts.status !== 0) exitCode = 1;
  if (!process.argv.includes('--no-calib-time') || process.argv.includes('--full')) {
    say(`calibration times${process.argv.includes('--full') ? ' and the full W2A4 QDrop run' : ''} (bench/calib-time.ts) …`);
    const extra = [...(quick ? ['--quick'] : []), ...(process.argv.includes('--full') ? ['--full'] : []), ...(process.argv.includes('--no-calib-time') ? ['--no-calib'] : [])];
    const ct = spawnSync(tsx, ['bench/calib-time.ts', ...extra], { cwd: repoRoot, stdio: 'inherit' });
    if (ct.status !== 0) exitCode = 1;
  }
}
// ~45 min: SQuant data-free vs nearest, APoT vs uniform (nearest, QDrop 100 it/block), SQuant GPU time per adapter (results.json `squantApot`)
if (!process.argv.includes('--no-squant-apot') && spawnSync(path.join(repoRoot, 'node_modules/.bin/tsx'), ['bench/squant-apot.ts', ...(quick ? ['--quick'] : [])], { cwd: repoRoot, stdio: 'inherit' }).status !== 0) exitCode = 1;
// Hours on a CPU adapter, resumable: the model zoo at W8A8/W4A4 with a short QDrop, studio vs onnxruntime on the export (results.json `zoo`)
if (!process.argv.includes('--no-zoo') && spawnSync(path.join(repoRoot, 'node_modules/.bin/tsx'), ['bench/zoo.ts', ...(quick ? ['--quick'] : [])], { cwd: repoRoot, stdio: 'inherit' }).status !== 0) exitCode = 1;
if (!process.argv.includes('--no-recon')) {
  // Hours on a CPU-emulated adapter (2000 iterations × 11 blocks × 4 methods × 3 configs); minutes on a GPU.
  say('reconstruction table (bench/recon.ts, Node + Dawn) …');
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const rec = spawnSync(tsx, ['bench/recon.ts', ...(quick ? ['--quick'] : [])], { cwd: repoRoot, stdio: 'inherit' });
  if (rec.status !== 0) exitCode = 1;
}
process.exit(exitCode);

function markdown(r) {
  const f = (v, d = 1) => (v == null ? '' : v.toFixed(d));
  const lines = [];
  lines.push(`## ResNet-20 (CIFAR-10) forward throughput — ${r.date.slice(0, 10)}`);
  lines.push('');
  lines.push(`Adapter: ${r.adapter.label}, isFallbackAdapter: ${r.adapter.isFallbackAdapter}; ORT's WebGPU EP got: ${r.adapter.ortWebgpuAdapter ?? 'n/a'}`);
  lines.push(`Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.browser}; onnxruntime-web ${r.ort.version}, WASM threads: ${r.ort.wasmThreads}; 1-min load average ${r.machine.loadAvg1mAtStart} at start, ${r.machine.loadAvg1mAtEnd} at end (other processes disturb the figures when it is well above 1)`);
  lines.push('');
  lines.push('| backend | batch | images/s | ms/batch (median) | ms (mean) | timed runs | session load ms | first run ms | max abs Δ logits vs WASM |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of r.rows) {
    if (x.status !== 'ok') {
      lines.push(`| ${LABEL[x.backend]} | ${x.batch} | error: ${x.error.replace(/\|/g, '\\|')} | | | | | | |`);
      continue;
    }
    const d = x.maxAbsDiffVsWasm == null ? (x.backend === 'ort-wasm' ? '(reference)' : '') : x.maxAbsDiffVsWasm.toExponential(1);
    lines.push(
      `| ${LABEL[x.backend]} | ${x.batch} | ${f(x.imagesPerSec)} | ${f(x.msPerBatch)} | ${f(x.msMean)} | ${x.iters} | ${x.loadMs ? f(x.loadMs, 0) : '(reused)'} | ${f(x.firstRunMs, 0)} | ${d} |`,
    );
  }
  lines.push('');
  const q = (v) => (v == null ? 'n/a (a run failed)' : `${v.toFixed(2)}×`);
  lines.push(`**ours / ORT-WebGPU: batch 32 ${q(r.ratioOursOverOrtWebgpu.batch32)} (target ≥ 1.0×), batch 1 ${q(r.ratioOursOverOrtWebgpu.batch1)}**`);
  lines.push('');
  lines.push(`## Conv GFLOP/s of our conv kernel (same page and adapter; after a warm-up dispatch, ${r.convIters.auto} timed for auto, ${r.convIters.naive} for naive)`);
  lines.push('');
  lines.push('| conv | shape | naive GFLOP/s | auto GFLOP/s | auto ms | timer |');
  lines.push('|---|---|---:|---:|---:|---|');
  const names = [...new Set(r.convGflops.map((c) => c.name))];
  for (const n of names) {
    const naive = r.convGflops.find((c) => c.name === n && c.variant === 'naive');
    const auto = r.convGflops.find((c) => c.name === n && c.variant === 'auto');
    const any = auto ?? naive;
    lines.push(`| ${n} | ${any.shape} | ${f(naive?.gflops, 2)} | ${f(auto?.gflops, 2)} | ${f(auto?.ms, 2)} | ${any.timer} |`);
  }
  for (const e of r.convErrors) lines.push(`| ${e.name} (${e.variant}) | | error: ${e.error.replace(/\|/g, '\\|')} | | | |`);
  for (const model of ['resnet20', 'resnet18']) {
    const naive = r.convTotals.find((t) => t.model === model && t.variant === 'naive');
    const auto = r.convTotals.find((t) => t.model === model && t.variant === 'auto');
    if (naive || auto) {
      lines.push(`| **${model === 'resnet20' ? 'ResNet-20 (batch 32)' : 'ResNet-18 (batch 1)'} overall** | ${(auto ?? naive).shapes} shapes | **${f(naive?.gflops, 2)}** | **${f(auto?.gflops, 2)}** | ${f(auto?.ms, 1)} | |`);
    }
  }
  lines.push('');
  lines.push(`Total bench time: ${r.totalSeconds} s.`);
  return lines.join('\n');
}
