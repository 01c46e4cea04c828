// Training-step bench of `npm run bench` (Node, Dawn): one W2A4 QDrop reconstruction iteration at
// batch 32 of ResNet-20 layer1.0 (32×32), ResNet-18 layer1.0 (56×56) and MobileNetV2's first
// inverted residual with shortcut (56×56), on every CPU Vulkan driver present — ms per iteration,
// ms per kernel, convolution GFLOP/s and the share of the same adapter's matmul ceiling — beside
// the same iteration in PyTorch on the CPU (bench/torch-step.py), with the ratio ours / PyTorch.
//   npx tsx bench/train-step.ts [--adapters lavapipe,swiftshader] [--iters N] [--budget S]
//                               [--blocks resnet20,resnet18,mobilenetv2] [--no-torch] [--torch-threads N] [--quick]
// Dawn picks its Vulkan driver once per process, so each adapter runs in a child process
// (`--child ADAPTER`, QUANT_STUDIO_VULKAN set) that prints its figures as one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuVulkanIcd } from '../src/gpu/vulkan-icd';
import { flagValue, root, runMain, withEngine } from './lib/engine';
import { BLOCKS, measure, type ChildResult } from './lib/step-measure';
import { markdown, ratios, type AdapterEntry, type TorchBlock, type TorchResult, type TrainStep } from './lib/train-step-report';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const ADAPTERS = (flagValue(argv, 'adapters') ?? 'lavapipe,swiftshader').split(',').filter(Boolean);
const ITERS = Number(flagValue(argv, 'iters') ?? (quick ? 2 : 10));
const BUDGET = Number(flagValue(argv, 'budget') ?? (quick ? 3 : 20));
const BATCH = Number(flagValue(argv, 'batch') ?? 32);
// --quick (a smoke run): ResNet-20's block only; the 56×56 blocks take tens of seconds per iteration on SwiftShader
const BLOCK_IDS = (flagValue(argv, 'blocks') ?? (quick ? 'resnet20' : BLOCKS.map((b) => b.id).join(','))).split(',');
const CHILD = flagValue(argv, 'child');
// PyTorch's threads: as many as cores (on a loaded machine its OpenMP threads spin against the other processes; 1 is then faster)
const TORCH_THREADS = Number(flagValue(argv, 'torch-threads') ?? os.cpus().length);
const MARK = '@@train-step ';
const started = Date.now();
const say = (s: string) => console.error(`[train-step ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);

for (const id of BLOCK_IDS) if (!BLOCKS.some((b) => b.id === id)) throw new Error(`--blocks: unknown block "${id}" (known: ${BLOCKS.map((b) => b.id).join(', ')})`);
if (!(ITERS >= 1) || !(BUDGET > 0) || !(BATCH >= 1) || !(TORCH_THREADS >= 1)) throw new Error('--iters, --budget, --batch and --torch-threads must be positive');
/** A child (or the PyTorch peer) that runs longer than this is stopped: about 3 blocks × (warm-up + 2 budgets) on a slow adapter. */
const CHILD_TIMEOUT_MS = Math.max(20 * 60_000, BLOCK_IDS.length * 12 * BUDGET * 1000);

/** Why an adapter cannot run here, or null. */
function missing(adapter: string): string | null {
  if (adapter === 'default') return null;
  if (adapter !== 'lavapipe' && adapter !== 'swiftshader') return `unknown adapter (use lavapipe, swiftshader or default)`;
  if (cpuVulkanIcd(adapter)) return null;
  return adapter === 'lavapipe' ? 'not installed (.lavapipe/ is missing; `node scripts/setup.mjs` fetches Mesa 25 lavapipe)' : 'not installed (/usr/lib/chromium/vk_swiftshader_icd.json is missing; apt-get install chromium)';
}

function runChild(adapter: string): ChildResult {
  const env = { ...process.env };
  if (adapter !== 'default') {
    env.QUANT_STUDIO_VULKAN = adapter;
    delete env.VK_ICD_FILENAMES; // an explicit ICD would win over QUANT_STUDIO_VULKAN
  }
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const args = ['bench/train-step.ts', '--child', adapter, '--iters', String(ITERS), '--budget', String(BUDGET), '--batch', String(BATCH), '--blocks', BLOCK_IDS.join(',')];
  const r = spawnSync(tsx, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20, timeout: CHILD_TIMEOUT_MS });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`the child process ${r.signal === 'SIGTERM' ? `was stopped after ${CHILD_TIMEOUT_MS / 60_000} min` : `exited with ${r.status ?? r.signal}`} without results${r.error ? ` (${r.error.message})` : ''}`);
  return JSON.parse(line.slice(MARK.length)) as ChildResult;
}

/** A python3 that imports torch: $PYTHON, python3 on the PATH, then Debian's /usr/bin/python3. */
function findTorch(): { python: string; version: string } | { skipped: string } {
  const tried: string[] = [];
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, version: r.stdout.trim() };
    tried.push(py);
  }
  return { skipped: `PyTorch is not installed (no \`import torch\` in ${[...new Set(tried)].join(', ')}; apt-get install python3-torch)` };
}

function runTorch(children: ChildResult[]): TorchResult {
  if (argv.includes('--no-torch')) return { skipped: '--no-torch' };
  const found = findTorch();
  if ('skipped' in found) return found;
  // the block specs from the first adapter that built each block (shapes do not depend on the adapter)
  const specs = BLOCK_IDS.map((id) => ({ id, spec: children.flatMap((c) => c.blocks).find((b) => b.id === id && b.spec)?.spec })).filter((s) => s.spec);
  if (!specs.length) return { skipped: 'no block was built, so there is nothing to compare' };
  mkdirSync(path.join(root, 'bench/out'), { recursive: true });
  const specFile = path.join(root, 'bench/out/train-step-spec.json');
  writeFileSync(specFile, JSON.stringify(specs.map((s) => s.spec), null, 1) + '\n');
  say(`PyTorch ${found.version} (${found.python}) on ${specs.length} blocks …`);
  const r = spawnSync(found.python, ['bench/torch-step.py', specFile, '--iters', String(Math.max(ITERS, 5)), '--budget', String(BUDGET), '--threads', String(TORCH_THREADS)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20, timeout: CHILD_TIMEOUT_MS });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const out = JSON.parse(last) as { torch: string; threads: number; blocks: TorchBlock[] };
    const blocks = Object.fromEntries(specs.map((s, i) => [s.id, out.blocks[i]]));
    return { torch: out.torch, threads: out.threads, python: found.python, date: new Date().toISOString(), blocks };
  } catch {
    return { skipped: `bench/torch-step.py failed (${r.signal ? `stopped: ${r.signal}` : `exit ${r.status}`}): ${last.slice(0, 200)}` };
  }
}

async function parent(): Promise<void> {
  const loadStart = os.loadavg()[0];
  const adapters: Record<string, AdapterEntry> = {};
  const children: ChildResult[] = [];
  for (const adapter of ADAPTERS) {
    const date = new Date().toISOString();
    const why = missing(adapter);
    if (why) {
      say(`${adapter}: skipped — ${why}`);
      adapters[adapter] = { date, skipped: why };
      continue;
    }
    say(`${adapter}: blocks ${BLOCK_IDS.join(', ')}, at most ${ITERS} timed iterations or ${BUDGET} s per block …`);
    try {
      const c = runChild(adapter);
      children.push(c);
      adapters[adapter] = { date, ...c };
    } catch (e) {
      adapters[adapter] = { date, error: (e as Error).message };
      say(`${adapter}: ${(e as Error).message}`);
    }
  }
  const torch = runTorch(children);
  for (const a of Object.values(adapters)) if (a.blocks) a.ratioVsTorch = ratios(a.blocks, torch);

  const file = path.join(root, quick ? 'bench/out/results-quick.json' : 'bench/results.json');
  const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { trainStep?: Partial<TrainStep> }) : {};
  const trainStep: TrainStep = {
    ...prev.trainStep,
    date: new Date().toISOString(),
    quick,
    method:
      'Each block built as the reconstruction builds it (src/recon/program.ts), random cache contents (64 samples), weights per channel min/max at 2 bits, activations 4 bits; drop p 0.5, input drop 0.5, LSQ on, β 10 and λ 0.01 (regulariser live). ms / iteration: median of whole iterations, each one submission + onSubmittedWorkDone, after a warm-up. Kernels: every dispatch of the iteration submitted and waited for alone. Conv FLOPs: 2·N·M·oH·oW·Cg·kH·kW for the forward of every conv, its weight gradient and its input gradient where the program computes one (not for the block input); conv GFLOP/s = conv FLOPs / time of the conv dispatches alone; overall = conv FLOPs / whole iteration. Ceiling: the best of the engine\'s MatMul kernel and the register-tiled probe (shaders/matmul-probe.wgsl) on 1024³ f32 in the same process. PyTorch: the same block shapes, QDrop\'s forward/backward/Adam step as the official code, CPU, as many threads as cores.',
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', loadAvg1mAtStart: Number(loadStart.toFixed(2)), loadAvg1mAtEnd: Number(os.loadavg()[0].toFixed(2)) },
    batch: BATCH,
    itersMax: ITERS,
    budgetSeconds: BUDGET,
    adapters: { ...prev.trainStep?.adapters, ...adapters },
    torch,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };
  const table = markdown(trainStep, Object.keys(adapters));
  console.log(table);
  mkdirSync(path.join(root, 'bench/out'), { recursive: true });
  writeFileSync(path.join(root, 'bench/out/train-step.md'), table + '\n');
  // the block specs are in bench/out/train-step-spec.json; results.json keeps the figures
  for (const a of Object.values(trainStep.adapters)) for (const b of a.blocks ?? []) delete b.spec;
  writeFileSync(file, JSON.stringify({ ...prev, trainStep }, null, 2) + '\n');
  say(`wrote ${path.relative(root, file)} (trainStep) and bench/out/train-step.md`);
}

async function child(adapter: string): Promise<void> {
  const result = await withEngine((E) => measure(E, adapter, { blocks: BLOCK_IDS, batch: BATCH, iters: ITERS, budget: BUDGET }));
  await new Promise<void>((done) => process.stdout.write(MARK + JSON.stringify(result) + '\n', () => done()));
}

runMain('train-step bench', () => (CHILD ? child(CHILD) : parent()));
