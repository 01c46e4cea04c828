// Browser side of `npm run bench` (bench/index.html): ResNet-20 forward throughput of our engine,
// onnxruntime-web's WebGPU EP and its WASM EP in one page, and conv GFLOP/s (bench/conv-gflops.ts).
// bench/run.mjs drives it through window.__bench, one step per call, each under its own timeout.
import * as ort from 'onnxruntime-web';
import ortMjs from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import type { ConvVariant } from '../src/gpu/kernels/conv2d';
import { Gpu, describeAdapter, adapterLabel, type AdapterDescription } from '../src/gpu/gpu';
import { Session } from '../src/engine/session';
import { convGflops, RESNET18_SHAPES, RESNET20_SHAPES, type ConvShape, type ConvTiming } from './conv-gflops';

export type Backend = 'ours' | 'ort-webgpu' | 'ort-wasm';

export interface MeasureOptions {
  warmup: number;
  minIters: number;
  maxIters: number;
  /** Stop timing once this much time was spent and minIters are done. */
  budgetMs: number;
}

export interface Measurement {
  backend: Backend;
  batch: number;
  warmup: number;
  iters: number;
  /** Median wall time of one run() including readback of the outputs (robust to a busy machine). */
  msPerBatch: number;
  msMean: number;
  msMin: number;
  /** batch / msPerBatch. */
  imagesPerSec: number;
  /** Session creation (first use of this backend only; 0 when reused). */
  loadMs: number;
  /** The first (warm-up) run: plan building and shader compilation at this batch size. */
  firstRunMs: number;
  /** The outputs for the seeded input, to compare backends. */
  logits: number[];
}

interface Runner {
  run(batch: number, data: Float32Array): Promise<Float32Array>;
}

ort.env.wasm.wasmPaths = { mjs: ortMjs, wasm: ortWasm };

const MODEL_URL = '/__bench/model.onnx';
const log = (s: string) => {
  const el = document.getElementById('log');
  if (el) el.textContent = `${el.textContent}\n${s}`;
};

let modelBytes: Promise<Uint8Array> | undefined;
function model(): Promise<Uint8Array> {
  modelBytes ??= fetch(MODEL_URL).then(async (r) => {
    if (!r.ok) throw new Error(`GET ${MODEL_URL}: ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  });
  return modelBytes;
}

let gpuPromise: Promise<Gpu> | undefined;
function ourGpu(): Promise<Gpu> {
  gpuPromise ??= Gpu.create(navigator.gpu);
  return gpuPromise;
}

/** Each runner is created once (two concurrent ORT WebGPU session creations fail). */
const runners = new Map<Backend, Promise<Runner>>();

async function createRunner(backend: Backend): Promise<Runner> {
  const bytes = await model();
  if (backend === 'ours') {
    const session = await Session.load(await ourGpu(), bytes, 'resnet20_cifar10.onnx');
    const input = session.graph.inputs[0].name;
    const output = session.graph.outputs[0].name;
    return {
      async run(batch, data) {
        const out = await session.run({ [input]: { shape: [batch, 3, 32, 32], data } });
        return out[output].data;
      },
    };
  }
  // The session copies the bytes; give it its own copy so the engine's stays intact.
  const session = await ort.InferenceSession.create(bytes.slice(), {
    executionProviders: [backend === 'ort-webgpu' ? 'webgpu' : 'wasm'],
  });
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  return {
    async run(batch, data) {
      const out = await session.run({ [input]: new ort.Tensor('float32', data, [batch, 3, 32, 32]) });
      // Outputs live on the CPU (the default preferredOutputLocation), so this is the readback.
      const y = (await out[output].getData()) as Float32Array;
      for (const t of Object.values(out)) t.dispose();
      return y;
    },
  };
}

/** Deterministic inputs in [-2, 2) (mulberry32), so every backend sees the same data. */
function seeded(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 4 - 2;
  }
  return out;
}

async function measure(backend: Backend, batch: number, o: MeasureOptions): Promise<Measurement> {
  let loadMs = 0;
  let runner = runners.get(backend);
  if (!runner) {
    const t0 = performance.now();
    runner = createRunner(backend);
    runners.set(backend, runner);
    try {
      await runner;
    } catch (e) {
      runners.delete(backend);
      throw e;
    }
    loadMs = performance.now() - t0;
  }
  const r = await runner;
  const data = seeded(batch * 3 * 32 * 32, 1000 + batch);
  let t = performance.now();
  const logits = Array.from(await r.run(batch, data));
  const firstRunMs = performance.now() - t;
  for (let i = 1; i < o.warmup; i++) await r.run(batch, data);
  const times: number[] = [];
  const start = performance.now();
  while (times.length < o.maxIters && (times.length < o.minIters || performance.now() - start < o.budgetMs)) {
    t = performance.now();
    await r.run(batch, data);
    times.push(performance.now() - t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const m: Measurement = {
    backend,
    batch,
    warmup: Math.max(1, o.warmup),
    iters: times.length,
    msPerBatch: median,
    msMean: mean,
    msMin: sorted[0],
    imagesPerSec: (batch * 1000) / median,
    loadMs,
    firstRunMs,
    logits,
  };
  log(`${backend} batch ${batch}: ${m.imagesPerSec.toFixed(1)} images/s over ${m.iters} runs`);
  return m;
}

export interface PageInfo {
  adapter: AdapterDescription & { label: string };
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  userAgent: string;
  ortVersion: string;
}

async function info(): Promise<PageInfo> {
  const gpu = await ourGpu();
  return {
    adapter: { ...gpu.adapter, label: adapterLabel(gpu.adapter) },
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    userAgent: navigator.userAgent,
    ortVersion: ort.env.versions.web ?? ort.env.versions.common,
  };
}

/** What onnxruntime-web settled on once its sessions exist: WebGPU adapter and WASM threads. */
async function ortInfo(webgpu: boolean): Promise<{ webgpuAdapter: string | null; wasmThreads: number | boolean | undefined }> {
  let webgpuAdapter: string | null = null;
  if (webgpu) {
    const device = (await ort.env.webgpu.device) as GPUDevice & { adapterInfo?: GPUAdapterInfo };
    const a = device.adapterInfo;
    webgpuAdapter = a ? adapterLabel(describeAdapter({ info: a, features: new Set<string>() } as unknown as GPUAdapter)) : 'unknown';
  }
  return { webgpuAdapter, wasmThreads: ort.env.wasm.numThreads };
}

const CONV_SHAPES: Record<string, ConvShape[]> = { resnet20: RESNET20_SHAPES, resnet18: RESNET18_SHAPES };

function convShapeNames(model: string): string[] {
  return CONV_SHAPES[model].map((s) => s.name);
}

async function conv(model: string, name: string, variant: ConvVariant, iters: number): Promise<ConvTiming[]> {
  const shape = CONV_SHAPES[model].find((s) => s.name === name);
  if (!shape) throw new Error(`no conv shape "${name}" in ${model}`);
  const rows = await convGflops(await ourGpu(), [shape], iters, [variant]);
  for (const r of rows) log(`conv ${r.name} ${r.variant}: ${r.gflops.toFixed(2)} GFLOP/s`);
  return rows;
}

const api = { info, measure, ortInfo, convShapeNames, conv };
export type BenchApi = typeof api;
(window as unknown as { __bench: BenchApi }).__bench = api;
log('ready');
