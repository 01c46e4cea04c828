// The training-step bench's results (bench/results.json under `trainStep`) and its markdown table.
import type { BlockResult, ChildResult } from './step-measure';

export interface TorchBlock {
  name: string | null;
  msPerIter?: number;
  itersTimed?: number;
  iterMs?: number[];
  warmupMs?: number[];
  error?: string;
}

export interface TorchResult {
  torch?: string;
  threads?: number;
  python?: string;
  date?: string;
  /** Per block id. */
  blocks?: Record<string, TorchBlock>;
  skipped?: string;
}

export interface AdapterEntry extends Partial<ChildResult> {
  date: string;
  skipped?: string;
  error?: string;
  /** Ours / PyTorch ms per iteration per block id, against the PyTorch run of the same bench run. */
  ratioVsTorch?: Record<string, number | null>;
}

export interface TrainStep {
  date: string;
  quick: boolean;
  method: string;
  machine: { cores: number; cpu: string; loadAvg1mAtStart: number; loadAvg1mAtEnd: number };
  batch: number;
  itersMax: number;
  budgetSeconds: number;
  /** Per adapter (lavapipe, swiftshader, default): the latest run that measured it. */
  adapters: Record<string, AdapterEntry>;
  torch: TorchResult;
  totalSeconds: number;
  /** Written by bench/calib-time.ts and kept here. */
  calibration?: unknown;
  full?: unknown;
}

const f = (v: number | undefined | null, d = 1) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function ratios(blocks: BlockResult[], torch: TorchResult): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const b of blocks) {
    const t = torch.blocks?.[b.id]?.msPerIter;
    out[b.id] = b.msPerIter && t ? Math.round((100 * b.msPerIter) / t) / 100 : null;
  }
  return out;
}

export function markdown(r: TrainStep, measured: string[]): string {
  const L: string[] = [];
  L.push(`## Reconstruction training step (W2A4 QDrop, batch ${r.batch}) — ${r.date.slice(0, 10)}`);
  L.push('');
  L.push(`${r.machine.cores} CPU cores (${r.machine.cpu}); 1-minute load average ${r.machine.loadAvg1mAtStart} at start, ${r.machine.loadAvg1mAtEnd} at end (figures are noisy well above 1). ${r.method}`);
  const t = r.torch;
  L.push('');
  L.push(t.skipped ? `PyTorch peer (bench/torch-step.py): skipped — ${t.skipped}.` : `PyTorch peer (bench/torch-step.py): torch ${t.torch} on the CPU, ${t.threads} threads (${t.python}).`);
  L.push('');
  L.push('| adapter | block | ms / iteration (median, n) | conv GFLOP / iteration | conv ms (dispatches alone) | conv GFLOP/s | overall GFLOP/s | % of matmul ceiling (conv · overall) | PyTorch ms | ours / PyTorch |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const notes: string[] = [];
  for (const id of Object.keys(r.adapters)) {
    const a = r.adapters[id];
    const stale = measured.includes(id) ? '' : ` (earlier run, ${a.date.slice(0, 10)})`;
    if (a.skipped || a.error) {
      notes.push(`${id}: ${a.skipped ? `skipped — ${a.skipped}` : `failed — ${a.error}`}${stale}`);
      continue;
    }
    const name = `${id}${stale}`;
    for (const b of a.blocks ?? []) {
      const tb = t.blocks?.[b.id];
      if (b.error) {
        L.push(`| ${name} | ${b.title} | not measured: ${cell(b.error)} | | | | | | ${f(tb?.msPerIter)} | |`);
        continue;
      }
      const torchMs = tb?.msPerIter ?? (tb?.error ? `error: ${cell(tb.error)}` : undefined);
      const ratio = a.ratioVsTorch?.[b.id];
      L.push(
        `| ${name} | ${b.title} | ${f(b.msPerIter)} (${b.itersTimed}) | ${f((b.convFlops ?? 0) / 1e9, 3)} | ${f(b.convMs)} | ${f(b.convGflops, 2)} | ${f(b.overallGflops, 2)} | ${f(b.convPctOfCeiling, 0)} % · ${f(b.overallPctOfCeiling, 0)} % | ${typeof torchMs === 'number' ? f(torchMs) : (torchMs ?? '—')} | ${ratio == null ? '—' : `**${ratio.toFixed(2)}×**`} |`,
      );
    }
  }
  L.push('');
  for (const id of Object.keys(r.adapters)) {
    const a = r.adapters[id];
    if (!a.blocks) continue;
    const c = a.ceiling;
    const ceil = !c ? 'n/a' : 'error' in c ? `failed (${c.error})` : `${c.gflops.toFixed(2)} GFLOP/s (${c.kernel ?? 'engine MatMul'} on ${c.size}³ f32: ${c.ms.toFixed(1)} ms, median of ${c.reps}; the better of the probes before and after the blocks: ${c.probes.map((g) => g.toFixed(2)).join(' and ')} GFLOP/s)`;
    L.push(`**${id}** — ${a.adapterLabel}; matmul ceiling ${ceil}.`);
    L.push('');
    const blocks = a.blocks.filter((b) => b.kernels);
    if (!blocks.length) continue;
    const kernels = [...new Set(blocks.flatMap((b) => b.kernels!.map((k) => k.kernel)))];
    const total = (b: BlockResult) => b.sumAloneMs ?? 0;
    kernels.sort((x, y) => blocks.reduce((s, b) => s + share(b, y) - share(b, x), 0));
    L.push(`| kernel (each dispatch timed alone, ms (dispatches) · share) | ${blocks.map((b) => b.title).join(' | ')} |`);
    L.push(`|---|${blocks.map(() => '---:').join('|')}|`);
    for (const k of kernels) {
      L.push(`| ${k} | ${blocks.map((b) => {
        const e = b.kernels!.find((x) => x.kernel === k);
        return e ? `${f(e.ms)} (${e.dispatches}) · ${f((100 * e.ms) / total(b), 0)} %` : '';
      }).join(' | ')} |`);
    }
    L.push(`| **sum of dispatches alone** · whole iteration | ${blocks.map((b) => `${f(b.sumAloneMs)} · ${f(b.msPerIter)}`).join(' | ')} |`);
    L.push(`| empty submit + wait | ${blocks.map((b) => f(b.emptySubmitMs, 3)).join(' | ')} |`);
    L.push('');
  }
  if (notes.length) L.push(...notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}

function share(b: BlockResult, k: string): number {
  const e = b.kernels?.find((x) => x.kernel === k);
  return e && b.sumAloneMs ? e.ms / b.sumAloneMs : 0;
}
