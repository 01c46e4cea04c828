// Prints conv GFLOP/s on Node's Dawn adapter: `npx tsx bench/conv-gflops-node.ts [iters=3] [name filter] [variants=naive,auto]`.
// tsx cannot evaluate import.meta.glob / ?raw (src/gpu/shaders.ts), so the modules are loaded through Vite's SSR loader.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type * as Bench from './conv-gflops';
import type * as NodeGpu from '../src/gpu/node-gpu';
import type * as GpuModule from '../src/gpu/gpu';

const root = fileURLToPath(new URL('..', import.meta.url));
const iters = Number(process.argv[2] ?? 3);
const filter = process.argv[3] ?? '';
const variants = (process.argv[4] ?? 'naive,auto').split(',') as Bench.ConvTiming['variant'][];

// configFile: false keeps the app's plugins (React, CSP) out of a plain Node run.
const vite = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
try {
  const bench = (await vite.ssrLoadModule('/bench/conv-gflops.ts')) as typeof Bench;
  const { nodeGpu } = (await vite.ssrLoadModule('/src/gpu/node-gpu.ts')) as typeof NodeGpu;
  const { adapterLabel } = (await vite.ssrLoadModule('/src/gpu/gpu.ts')) as typeof GpuModule;
  const gpu = await nodeGpu();
  const shapes = [...bench.RESNET20_SHAPES, ...bench.RESNET18_SHAPES, ...bench.DEPTHWISE_SHAPES].filter((s) => s.name.includes(filter));
  console.log(`adapter: ${adapterLabel(gpu.adapter)}; ${iters} iterations per shape and variant\n`);
  const rows: Bench.ConvTiming[] = [];
  for (const s of shapes) {
    const r = await bench.convGflops(gpu, [s], iters, variants);
    rows.push(...r);
    for (const t of r) console.error(`  ${t.name} ${t.variant}: ${t.gflops.toFixed(2)} GFLOP/s`);
  }
  console.log(bench.formatTable(rows));
  const total = (v: string) => {
    const sel = rows.filter((r) => r.variant === v);
    const flop = sel.reduce((a, r) => a + r.gflops * r.ms, 0); // GFLOP/s * ms = MFLOP
    const ms = sel.reduce((a, r) => a + r.ms, 0);
    return `${v}: ${(flop / ms).toFixed(2)} GFLOP/s over ${ms.toFixed(0)} ms`;
  };
  console.log(`\noverall ${variants.map(total).join('; ')}`);
  gpu.destroy();
} finally {
  await vite.close();
}
