// Accuracy table of `npm run bench` (Node, Dawn): ResNet-20 float, W8A8/W4A8/W4A4/W2A4 × MinMax/MSE,
// through src/cli/ptq.ts as `quant-studio quantize` runs it; then MNIST-8 float on all 10000 MNIST
// test images (the test suite checks the first 2000). `npx tsx bench/accuracy.ts [--quick]`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type * as Ptq from '../src/cli/ptq';
import type * as Top1 from '../src/cli/top1';
import type * as ImageSets from '../src/data/image-set-node';
import type * as NodeGpu from '../src/gpu/node-gpu';
import type * as GpuModule from '../src/gpu/gpu';
import type { ObserverKind } from '../src/quant/types';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const shared = path.resolve(root, '../shared');
const modelPath = path.join(shared, 'models/resnet20_cifar10.onnx');
const calibDir = path.join(shared, 'data/cifar10/train');
const testDir = path.join(shared, 'data/cifar10/test');
const mnistModel = path.join(shared, 'models/mnist-8.onnx');
const mnistImages = path.join(shared, 'data/mnist/t10k-images-idx3-ubyte.gz');
const MNIST_TEST = quick ? 500 : 10000;
const CALIB = quick ? 32 : 256;
const TEST = quick ? 200 : 1000;
const BATCH = 100;
const OPSET = 13;
const BITS: [number, number][] = quick ? [[8, 8], [4, 4]] : [[8, 8], [4, 8], [4, 4], [2, 4]];
const OBSERVERS: ObserverKind[] = quick ? ['mse'] : ['minmax', 'mse'];

export interface AccuracyRow {
  config: string;
  observer: string;
  studioTop1: number | null;
  onnxTop1: number | null;
  /** Images on which the studio and onnxruntime predict the same class. */
  agree: number | null;
  calibSeconds: number | null;
  evalSeconds: number;
}

const started = Date.now();
const say = (s: string) => console.error(`[accuracy ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)} %`);

function markdown(rows: AccuracyRow[], adapter: string, date: string): string {
  const lines = [
    `## ResNet-20 (CIFAR-10) post-training quantization accuracy — ${date.slice(0, 10)}`,
    '',
    `Round to nearest; weights per channel, activations per tensor, asymmetric; first/last layer 8-bit. ${CALIB} calibration images (first of ../shared/data/cifar10/train), ${TEST} test images; QDQ export at opset ${OPSET}. Studio = our fake-quant engine on ${adapter}; onnxruntime = onnxruntime-node (CPU) on the exported file.`,
    '',
    '| config | observer | studio top-1 | onnxruntime top-1 | calibration s | studio = onnxruntime |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.config} | ${r.observer} | ${pct(r.studioTop1)} | ${pct(r.onnxTop1)} | ${r.calibSeconds === null ? '—' : r.calibSeconds.toFixed(1)} | ${r.agree === null ? 'n/a' : `${r.agree}/${TEST}`} |`);
  }
  return lines.join('\n');
}

/** Adds `accuracy` to the results file run.mjs wrote (or starts one). */
function saveResults(accuracy: object): string {
  const file = path.join(root, quick ? 'bench/out/results-quick.json' : 'bench/results.json');
  const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
  writeFileSync(file, JSON.stringify({ ...prev, accuracy }, null, 2) + '\n');
  return path.relative(root, file);
}

async function main(): Promise<void> {
  for (const p of [modelPath, calibDir, testDir]) if (!existsSync(p)) throw new Error(`${p} not found (the shared models and data sit in ../shared)`);
  // tsx cannot evaluate import.meta.glob (the shaders), so the engine is loaded through Vite's SSR loader.
  const vite = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom', cacheDir: 'bench/out/.vite-ssr' });
  try {
    const ptq = (await vite.ssrLoadModule('/src/cli/ptq.ts')) as typeof Ptq;
    const { agreement, top1Rate } = (await vite.ssrLoadModule('/src/cli/top1.ts')) as typeof Top1;
    const { openImageSet } = (await vite.ssrLoadModule('/src/data/image-set-node.ts')) as typeof ImageSets;
    const { nodeGpu } = (await vite.ssrLoadModule('/src/gpu/node-gpu.ts')) as typeof NodeGpu;
    const { adapterLabel } = (await vite.ssrLoadModule('/src/gpu/gpu.ts')) as typeof GpuModule;

    const gpu = await nodeGpu();
    const adapter = adapterLabel(gpu.adapter);
    const m = await ptq.openModel(gpu, modelPath);
    const calib = openImageSet(calibDir, m.preset, { limit: CALIB });
    const test = openImageSet(testDir, m.preset, { limit: TEST });
    say(`adapter ${adapter}; ${calib.count} calibration and ${test.count} test images`);
    let lastSay = 0;
    const progress: Ptq.PtqProgress = (phase, done, total, detail) => {
      if (done < total && Date.now() - lastSay < 15_000) return;
      lastSay = Date.now();
      say(`  ${phase} ${done}/${total}${detail ? ` (${detail})` : ''}`);
    };

    const rows: AccuracyRow[] = [];
    const float = await ptq.floatTop1(m, test, BATCH, progress, true);
    rows.push({ config: 'float', observer: '—', studioTop1: top1Rate(float.studio), onnxTop1: top1Rate(float.onnx), agree: float.onnx && agreement(float.studio, float.onnx), calibSeconds: null, evalSeconds: float.studio.seconds });
    say(`float: studio ${pct(top1Rate(float.studio))}, onnxruntime ${pct(top1Rate(float.onnx))}`);
    for (const [w, a] of BITS) {
      for (const observer of OBSERVERS) {
        const config = ptq.quantConfig({ wBits: w, aBits: a, observer, calibCount: CALIB });
        const r = await ptq.quantizeAndEvaluate(m, config, { calib, evalSet: test, opset: OPSET, batch: BATCH, progress });
        const row: AccuracyRow = {
          config: `W${w}A${a}`,
          observer: observer === 'mse' ? 'MSE' : 'MinMax',
          studioTop1: top1Rate(r.quant),
          onnxTop1: top1Rate(r.onnx),
          agree: r.quant && r.onnx && agreement(r.quant, r.onnx),
          calibSeconds: Math.round(r.calibSeconds * 10) / 10,
          evalSeconds: Math.round((r.quant?.seconds ?? 0) * 10) / 10,
        };
        rows.push(row);
        say(`${row.config} ${row.observer}: studio ${pct(row.studioTop1)}, onnxruntime ${pct(row.onnxTop1)}, calibration ${row.calibSeconds} s`);
      }
    }
    m.session.dispose();

    // MNIST-8 (input fixed at batch 1): float top-1, studio vs onnxruntime, every test image
    const mn = await ptq.openModel(gpu, mnistModel);
    const mnSet = openImageSet(mnistImages, mn.preset, { limit: MNIST_TEST });
    const mnFloat = await ptq.floatTop1(mn, mnSet, 1, progress, true);
    const mnist = { images: mnSet.count, studioTop1: top1Rate(mnFloat.studio), onnxTop1: top1Rate(mnFloat.onnx), agree: mnFloat.onnx && agreement(mnFloat.studio, mnFloat.onnx), seconds: Math.round(mnFloat.studio.seconds * 10) / 10 };
    mn.session.dispose();
    const date = new Date().toISOString();
    const table = `${markdown(rows, adapter, date)}\n\nMNIST-8 float, ${mnist.images} MNIST test images (batch 1): studio ${pct(mnist.studioTop1)}, onnxruntime ${pct(mnist.onnxTop1)}, same prediction on ${mnist.agree ?? 'n/a'}/${mnist.images}, ${mnist.seconds} s.`;
    console.log(table);
    const file = saveResults({
      date,
      quick,
      adapter,
      model: path.relative(root, modelPath),
      calibImages: calib.count,
      testImages: test.count,
      opset: OPSET,
      method: 'round to nearest; weights per output channel, activations per tensor, asymmetric; first/last layer 8-bit (DEFAULT_CONFIG); same code path as `quant-studio quantize` (src/cli/ptq.ts)',
      rows,
      mnist,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    });
    mkdirSync(path.join(root, 'bench/out'), { recursive: true });
    writeFileSync(path.join(root, 'bench/out/accuracy-table.md'), table + '\n');
    say(`wrote ${file} (accuracy) and bench/out/accuracy-table.md`);
    gpu.destroy();
  } finally {
    await vite.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`accuracy bench failed: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
