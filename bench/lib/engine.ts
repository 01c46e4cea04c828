// The engine's modules loaded for a Node bench script. tsx cannot evaluate import.meta.glob (the
// WGSL shaders are bundled through it), so the engine goes through Vite's SSR loader, as in
// bench/accuracy.ts and bench/recon.ts; the types come from the sources themselves.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import type * as Ptq from '../../src/cli/ptq';
import type * as NodeGpu from '../../src/gpu/node-gpu';
import type * as GpuModule from '../../src/gpu/gpu';
import type * as Matmul from '../../src/gpu/kernels/matmul';
import type * as MatmulProbe from '../../src/gpu/kernels/matmul-probe';
import type * as Analysis from '../../src/recon/analysis';
import type * as Program from '../../src/recon/program';
import type * as Step from '../../src/recon/step';
import type * as Cache from '../../src/recon/cache';
import type * as Recon from '../../src/recon/reconstruct';
import type * as Types from '../../src/quant/types';
import type * as Apply from '../../src/quant/apply';
import type * as Dtype from '../../src/onnx/dtype';
import type * as Elementwise from '../../src/engine/ops/elementwise';
import type * as ImageSets from '../../src/data/image-set-node';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const shared = path.resolve(root, '../shared');

export interface Engine {
  ptq: typeof Ptq;
  nodeGpu: typeof NodeGpu.nodeGpu;
  adapterLabel: typeof GpuModule.adapterLabel;
  matmul: typeof Matmul.matmul;
  matmulProbe: typeof MatmulProbe.matmulProbe;
  analysis: typeof Analysis;
  BlockProgram: typeof Program.BlockProgram;
  step: typeof Step;
  cache: typeof Cache;
  recon: typeof Recon;
  types: typeof Types;
  quantizeCodes: typeof Apply.quantizeCodes;
  tensorFloat32: typeof Dtype.tensorFloat32;
  activationParams: typeof Elementwise.activationParams;
  openImageSet: typeof ImageSets.openImageSet;
}

/** Starts Vite's SSR loader, loads the engine and runs `fn` with it; the server is closed after. */
export async function withEngine<T>(fn: (e: Engine) => Promise<T>): Promise<T> {
  const vite: ViteDevServer = await createServer({
    root,
    configFile: false,
    logLevel: 'warn',
    server: { middlewareMode: true, hmr: false, ws: false },
    appType: 'custom',
    cacheDir: 'bench/out/.vite-ssr',
  });
  try {
    const load = <M>(p: string) => vite.ssrLoadModule(p) as Promise<M>;
    const e: Engine = {
      ptq: await load<typeof Ptq>('/src/cli/ptq.ts'),
      nodeGpu: (await load<typeof NodeGpu>('/src/gpu/node-gpu.ts')).nodeGpu,
      adapterLabel: (await load<typeof GpuModule>('/src/gpu/gpu.ts')).adapterLabel,
      matmul: (await load<typeof Matmul>('/src/gpu/kernels/matmul.ts')).matmul,
      matmulProbe: (await load<typeof MatmulProbe>('/src/gpu/kernels/matmul-probe.ts')).matmulProbe,
      analysis: await load<typeof Analysis>('/src/recon/analysis.ts'),
      BlockProgram: (await load<typeof Program>('/src/recon/program.ts')).BlockProgram,
      step: await load<typeof Step>('/src/recon/step.ts'),
      cache: await load<typeof Cache>('/src/recon/cache.ts'),
      recon: await load<typeof Recon>('/src/recon/reconstruct.ts'),
      types: await load<typeof Types>('/src/quant/types.ts'),
      quantizeCodes: (await load<typeof Apply>('/src/quant/apply.ts')).quantizeCodes,
      tensorFloat32: (await load<typeof Dtype>('/src/onnx/dtype.ts')).tensorFloat32,
      activationParams: (await load<typeof Elementwise>('/src/engine/ops/elementwise.ts')).activationParams,
      openImageSet: (await load<typeof ImageSets>('/src/data/image-set-node.ts')).openImageSet,
    };
    return await fn(e);
  } finally {
    await vite.close();
  }
}

/** Runs main, prints its error and exits with 0 or 1 (Dawn keeps the process alive otherwise). */
export function runMain(what: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`${what} failed: ${(e as Error)?.stack ?? String(e)}`);
      process.exit(1);
    },
  );
}

/** `--name value` from argv, or undefined. */
export function flagValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
