// Where one reconstruction iteration spends its time: ResNet-20's first residual block at batch 32,
// each dispatch of the iteration timed alone (submit + wait, median of a few runs), grouped by
// kernel, against the whole iteration submitted at once. `npx tsx bench/recon-profile.ts [--block 1] [--batch 32]`
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type * as Ptq from '../src/cli/ptq';
import type * as NodeGpu from '../src/gpu/node-gpu';
import type * as GpuModule from '../src/gpu/gpu';
import type * as Analysis from '../src/recon/analysis';
import type * as Program from '../src/recon/program';
import type * as Step from '../src/recon/step';
import type * as Cache from '../src/recon/cache';
import type * as Types from '../src/quant/types';
import type * as Apply from '../src/quant/apply';
import type * as Dtype from '../src/onnx/dtype';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (n: string, d: number) => (argv.includes(`--${n}`) ? Number(argv[argv.indexOf(`--${n}`) + 1]) : d);
const BLOCK = flag('block', 1);
const BATCH = flag('batch', 32);
const REPS = flag('reps', 3);

async function main(): Promise<void> {
  const vite = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom', cacheDir: 'bench/out/.vite-ssr' });
  try {
    const load = <T>(p: string) => vite.ssrLoadModule(p) as Promise<T>;
    const ptq = await load<typeof Ptq>('/src/cli/ptq.ts');
    const { nodeGpu } = await load<typeof NodeGpu>('/src/gpu/node-gpu.ts');
    const { adapterLabel } = await load<typeof GpuModule>('/src/gpu/gpu.ts');
    const { analyzeSession, sessionBlocks } = await load<typeof Analysis>('/src/recon/analysis.ts');
    const { BlockProgram } = await load<typeof Program>('/src/recon/program.ts');
    const { stepBuffer, writeStep } = await load<typeof Step>('/src/recon/step.ts');
    const { sampleCacheOf } = await load<typeof Cache>('/src/recon/cache.ts');
    const { qrange, DEFAULT_CONFIG } = await load<typeof Types>('/src/quant/types.ts');
    const { quantizeCodes } = await load<typeof Apply>('/src/quant/apply.ts');
    const { tensorFloat32 } = await load<typeof Dtype>('/src/onnx/dtype.ts');

    const gpu = await nodeGpu();
    const m = await ptq.openModel(gpu, path.resolve(root, '../shared/models/resnet20_cifar10.onnx'));
    const s = m.session;
    const config = { ...DEFAULT_CONFIG, wBits: 2, aBits: 4 };
    const block = sessionBlocks(s, config).blocks[BLOCK];
    const a = analyzeSession(s, BATCH);
    const weights = block.layers.map((name) => {
      const n = a.gpuNodes.find((g) => g.node.name === name)!.node;
      const t = s.graph.initializers.get(n.inputs[1])!;
      const range = qrange(2, false);
      const scales = new Float32Array(t.dims[0]).fill(0.05);
      const zeroPoints = new Int32Array(t.dims[0]).fill(2);
      return { node: name, weight: n.inputs[1], dims: t.dims, range, axis: 0, scales, zeroPoints, codes: quantizeCodes(tensorFloat32(t), t.dims, 0, range, scales, zeroPoints) };
    });
    const acts = block.acts.map((tensor) => ({ tensor, range: qrange(4, false), scale: 0.1, zeroPoint: 0 }));
    const count = 64;
    const size = (t: string) => a.shapeOf(t).slice(1).reduce((p, q) => p * q, 1);
    const cache = (n: number) => sampleCacheOf(gpu, 'cache', new Float32Array(count * n).map(() => Math.random()), count);
    const caches = { x: cache(size(block.input)), xQ: cache(size(block.input)), y: cache(size(block.output)) };
    const step = stepBuffer(gpu);
    const program = new BlockProgram(gpu, a, block, weights, acts, caches, step, { batch: BATCH, drop: 0.5, inputDrop: 0.5, lsq: true, historyLength: 50 });
    writeStep(gpu, step, { iter: 1, seed: 1, beta: 10, lambda: 0.01, lrV: 1e-3, lrS: 4e-5, bc1: 0.1, bc2: 0.001 });
    const iteration = program.iteration();
    const time = async (ds: typeof iteration) => {
      const t = [];
      for (let r = 0; r < REPS + 1; r++) {
        const t0 = performance.now();
        gpu.encode(ds);
        await gpu.device.queue.onSubmittedWorkDone();
        t.push(performance.now() - t0);
      }
      t.shift();
      t.sort((x, y) => x - y);
      return t[Math.floor(t.length / 2)];
    };
    const whole = await time(iteration);
    const byKernel = new Map<string, { ms: number; n: number }>();
    let sum = 0;
    for (const d of iteration) {
      const ms = await time([d]);
      sum += ms;
      const key = d.label.replace(/ .*$/, '').replace(/\d+x\d+.*/, '');
      const e = byKernel.get(key) ?? { ms: 0, n: 0 };
      byKernel.set(key, { ms: e.ms + ms, n: e.n + 1 });
    }
    // an empty submission: the fixed cost of a submit + wait on this adapter
    const empty = await time([]);
    const rows = [...byKernel.entries()].sort((x, y) => y[1].ms - x[1].ms);
    const lines = [
      `## One reconstruction iteration — ResNet-20 block ${BLOCK} (${block.name}), batch ${BATCH}, ${adapterLabel(gpu.adapter)}`,
      '',
      `Whole iteration (${iteration.length} dispatches, one submission): ${whole.toFixed(1)} ms. Sum of the dispatches timed one by one: ${sum.toFixed(1)} ms (each includes a submit + wait; an empty submit + wait costs ${empty.toFixed(2)} ms).`,
      '',
      '| kernel (wrapper label) | dispatches | ms (timed alone) | share |',
      '|---|---:|---:|---:|',
      ...rows.map(([k, v]) => `| ${k} | ${v.n} | ${v.ms.toFixed(1)} | ${((100 * v.ms) / sum).toFixed(0)} % |`),
    ];
    const table = lines.join('\n');
    console.log(table);
    mkdirSync(path.join(root, 'bench/out'), { recursive: true });
    writeFileSync(path.join(root, 'bench/out/recon-profile.md'), table + '\n');
    program.destroy();
    gpu.destroy();
  } finally {
    await vite.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`profile failed: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
