// Where one reconstruction iteration spends its time: ResNet-20's first residual block at batch 32,
// each dispatch of the iteration timed alone (submit + wait, median of a few runs), grouped by
// kernel, against the whole iteration submitted at once. `npx tsx bench/recon-profile.ts [--block 1] [--batch 32] [--reps 3]`
// (bench/train-step.ts measures the same on several blocks, adapters and PyTorch; both build the
// block with bench/lib/block-step.ts.)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildStep, QDROP_W2A4 } from './lib/block-step';
import { flagValue, root, runMain, shared, withEngine } from './lib/engine';
import { profileDispatches, timeRuns } from './lib/timing';

const argv = process.argv.slice(2);
const BLOCK = Number(flagValue(argv, 'block') ?? 1);
const BATCH = Number(flagValue(argv, 'batch') ?? 32);
const REPS = Number(flagValue(argv, 'reps') ?? 3);

runMain('profile', () =>
  withEngine(async (E) => {
    const gpu = await E.nodeGpu();
    const st = await buildStep(E, gpu, path.join(shared, 'models/resnet20_cifar10.onnx'), (blocks) => blocks[BLOCK], { ...QDROP_W2A4, batch: BATCH });
    st.setIter(1);
    const iteration = st.program.iteration();
    const whole = await timeRuns(gpu, iteration, { minReps: REPS, maxReps: REPS, seconds: 0 });
    const prof = await profileDispatches(gpu, iteration, REPS);
    const lines = [
      `## One reconstruction iteration — ResNet-20 block ${BLOCK} (${st.block.name}), batch ${BATCH}, ${E.adapterLabel(gpu.adapter)}`,
      '',
      `Whole iteration (${iteration.length} dispatches, one submission): ${whole.ms.toFixed(1)} ms. Sum of the dispatches timed one by one: ${prof.sumMs.toFixed(1)} ms (each includes a submit + wait; an empty submit + wait costs ${prof.emptyMs.toFixed(2)} ms).`,
      '',
      '| kernel (wrapper label) | dispatches | ms (timed alone) | share |',
      '|---|---:|---:|---:|',
      ...prof.kernels.map((k) => `| ${k.kernel} | ${k.dispatches} | ${k.ms.toFixed(1)} | ${((100 * k.ms) / prof.sumMs).toFixed(0)} % |`),
    ];
    const table = lines.join('\n');
    console.log(table);
    mkdirSync(path.join(root, 'bench/out'), { recursive: true });
    writeFileSync(path.join(root, 'bench/out/recon-profile.md'), table + '\n');
    st.destroy();
    gpu.destroy();
  }),
);
