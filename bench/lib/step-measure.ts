// The measuring side of bench/train-step.ts, run in a child process per Vulkan driver (Dawn picks
// its driver once per process): the matmul ceiling probe, then for each block the whole W2A4 QDrop
// iteration (median of one-submission runs after a warm-up) and every dispatch timed alone.
import path from 'node:path';
import type { Gpu } from '../../src/gpu/gpu';
import { buildStep, byScope, firstResidual, QDROP_W2A4, type BlockPick, type BlockSpec, type ConvShape } from './block-step';
import { shared, type Engine } from './engine';
import { isConvKernel, matmulCeiling, profileDispatches, submitAndWait, timeRuns, type Ceiling, type KernelTime } from './timing';

export interface BlockDef {
  id: string;
  title: string;
  model: string;
  pick: BlockPick;
}

export const BLOCKS: BlockDef[] = [
  { id: 'resnet20', title: 'ResNet-20 layer1.0 (32×32)', model: 'models/resnet20_cifar10.onnx', pick: byScope('/layer1/layer1.0') },
  { id: 'resnet18', title: 'ResNet-18 layer1.0 (56×56)', model: 'models/zoo/resnet18.onnx', pick: byScope('/layer1/layer1.0') },
  { id: 'mobilenetv2', title: 'MobileNetV2 first inverted residual', model: 'models/zoo/mobilenet_v2.onnx', pick: firstResidual },
];

export interface MeasureOptions {
  blocks: string[];
  batch: number;
  /** Most timed whole iterations per block. */
  iters: number;
  /** Seconds of timed iterations per block (at least one is timed), and again for the per-dispatch profile. */
  budget: number;
}

export interface BlockResult {
  id: string;
  title: string;
  model: string;
  block?: string;
  error?: string;
  dispatches?: number;
  msPerIter?: number;
  itersTimed?: number;
  iterMs?: number[];
  warmupMs?: number[];
  buildSeconds?: number;
  kernels?: KernelTime[];
  profileRounds?: number;
  sumAloneMs?: number;
  emptySubmitMs?: number;
  convMs?: number;
  convFlops?: number;
  convGflops?: number;
  overallGflops?: number;
  convPctOfCeiling?: number;
  overallPctOfCeiling?: number;
  convs?: ConvShape[];
  spec?: BlockSpec;
}

export interface ChildResult {
  adapter: string;
  adapterLabel: string;
  isFallbackAdapter: boolean;
  /** The better of the matmul probes before and after the blocks (`probes`: both, GFLOP/s). */
  ceiling: (Ceiling & { probes: number[] }) | { error: string };
  blocks: BlockResult[];
}

const say = (s: string) => console.error(`[train-step child ${process.env.QUANT_STUDIO_VULKAN ?? 'default'}] ${s}`);
const r2 = (x: number) => Math.round(x * 100) / 100;

export async function measure(E: Engine, adapter: string, o: MeasureOptions): Promise<ChildResult> {
  const gpu = await E.nodeGpu();
  const label = E.adapterLabel(gpu.adapter);
  say(`adapter ${label}`);
  // the probe runs before and after the blocks; the better one is the ceiling (a busy machine slows either)
  const probe = async (when: string): Promise<Ceiling | { error: string }> => {
    try {
      const c = await matmulCeiling(E, gpu, 1024, Math.max(4, o.budget / 2));
      say(`matmul 1024³ ${when}: ${c.gflops.toFixed(2)} GFLOP/s (${c.ms.toFixed(1)} ms, median of ${c.reps})`);
      return c;
    } catch (e) {
      return { error: (e as Error).message.split('\n')[0] };
    }
  };
  const before = await probe('before the blocks');
  const blocks: BlockResult[] = [];
  for (const def of BLOCKS.filter((b) => o.blocks.includes(b.id))) {
    try {
      blocks.push(await measureBlock(E, gpu, def, o));
    } catch (e) {
      const error = (e as Error).message.split('\n')[0];
      say(`${def.title}: ${error}`);
      blocks.push({ id: def.id, title: def.title, model: def.model, error });
    }
  }
  const after = await probe('after the blocks');
  const ok = [before, after].filter((c): c is Ceiling => 'gflops' in c);
  const best = ok.length ? ok.reduce((x, y) => (y.gflops > x.gflops ? y : x)) : null;
  const ceiling: ChildResult['ceiling'] = best ? { ...best, ms: r2(best.ms), gflops: r2(best.gflops), probes: ok.map((c) => r2(c.gflops)) } : { error: 'error' in before ? before.error : 'no probe' };
  if ('gflops' in ceiling) {
    for (const b of blocks) {
      if (b.convGflops === undefined || b.overallGflops === undefined) continue;
      b.convPctOfCeiling = Math.round((1000 * b.convGflops) / ceiling.gflops) / 10;
      b.overallPctOfCeiling = Math.round((1000 * b.overallGflops) / ceiling.gflops) / 10;
    }
  }
  gpu.destroy();
  return { adapter, adapterLabel: label, isFallbackAdapter: gpu.adapter.isFallbackAdapter, ceiling, blocks };
}

async function measureBlock(E: Engine, gpu: Gpu, def: BlockDef, o: MeasureOptions): Promise<BlockResult> {
  const t0 = performance.now();
  const st = await buildStep(E, gpu, path.join(shared, def.model), def.pick, { ...QDROP_W2A4, batch: o.batch });
  try {
    const ds = st.program.iteration();
    const buildSeconds = (performance.now() - t0) / 1000;
    say(`${def.title}: ${st.block.name}, ${ds.length} dispatches, built in ${buildSeconds.toFixed(1)} s`);
    let iter = 1;
    st.setIter(iter++);
    const first = await submitAndWait(gpu, ds);
    gpu.throwErrors();
    // a second warm-up when iterations are short; few timed runs when they are long
    const warmups = first < 2000 ? 1 : 0;
    const minReps = Math.min(o.iters, first > (o.budget * 1000) / 3 ? 1 : 3);
    const whole = await timeRuns(gpu, ds, { minReps, maxReps: o.iters, seconds: o.budget }, warmups, () => st.setIter(iter++));
    say(`${def.title}: ${whole.ms.toFixed(1)} ms per iteration (median of ${whole.all.length}; warm-up ${[first, ...whole.warmupMs].map((x) => x.toFixed(0)).join(', ')} ms)`);
    const rounds = Math.max(1, Math.min(3, Math.floor((o.budget * 1000) / whole.ms)));
    const prof = await profileDispatches(gpu, ds, rounds);
    const convMs = prof.kernels.filter((k) => isConvKernel(k.kernel)).reduce((a, k) => a + k.ms, 0);
    const convGflops = st.convFlops / (convMs * 1e6);
    const overallGflops = st.convFlops / (whole.ms * 1e6);
    say(`${def.title}: conv ${convMs.toFixed(1)} ms of ${prof.sumMs.toFixed(1)} ms timed alone, ${convGflops.toFixed(2)} GFLOP/s in conv, ${overallGflops.toFixed(2)} overall`);
    return {
      id: def.id,
      title: def.title,
      model: def.model,
      block: st.block.name,
      dispatches: ds.length,
      msPerIter: r2(whole.ms),
      itersTimed: whole.all.length,
      iterMs: whole.all.map(r2),
      warmupMs: [first, ...whole.warmupMs].map(r2),
      buildSeconds: r2(buildSeconds),
      kernels: prof.kernels.map((k) => ({ ...k, ms: r2(k.ms) })),
      profileRounds: rounds,
      sumAloneMs: r2(prof.sumMs),
      emptySubmitMs: Math.round(prof.emptyMs * 1000) / 1000,
      convMs: r2(convMs),
      convFlops: st.convFlops,
      convGflops: r2(convGflops),
      overallGflops: r2(overallGflops),
      convs: st.convs,
      spec: st.spec,
    };
  } finally {
    st.destroy();
  }
}
