// Runs hostile-corpus cases through the real CLI (bin/quant-studio.mjs) with a time bound each and
// classifies the outcome: clear error, correct acceptance, vague, crash, hang, wrongly accepted/refused.
import { spawn } from 'node:child_process';

export interface HostileCase {
  id: string;
  /** What is wrong with the input, in a few words. */
  what: string;
  /** CLI arguments (after bin/quant-studio.mjs). */
  args: string[];
  expect: 'error' | 'accept';
  /** Strings an error message must contain: the file's name and the node or tensor at fault. */
  mentions: string[];
  /** In the fast subset that `npm test` runs. */
  fast?: boolean;
}

export type Verdict = 'clear' | 'accepted' | 'vague' | 'crash' | 'hang' | 'wrongly-accepted' | 'wrongly-refused';
export const VERDICTS: Verdict[] = ['clear', 'accepted', 'vague', 'crash', 'hang', 'wrongly-accepted', 'wrongly-refused'];
/** The verdicts a hardened CLI gives: everything else is a failure. */
export const GOOD: ReadonlySet<Verdict> = new Set(['clear', 'accepted']);

/** The CLI's documented exit codes (src/cli/main.ts): 0 done, 1 an error in the input or the run, 2 a usage error. */
export const EXIT_CODES = [0, 1, 2];

export interface Outcome {
  id: string;
  verdict: Verdict;
  code: number | null;
  signal: string | null;
  ms: number;
  /** The `error:` message (usage pointer dropped), or why the verdict is not clear. */
  message: string;
  why?: string;
}

/** Words that say what to do; a message without one is vague. */
const TO_DO = /\b(export|fix|choose|give|use|add|keep|rename|save|recompute|check|run|install|set|pass|remove|replace|convert|delete|downscale|re-encode|split|get|start|make|open|update|resize|drop)\b/i;

export function classify(c: HostileCase, code: number | null, signal: string | null, stderr: string, timedOut: boolean): Omit<Outcome, 'id' | 'ms'> {
  const message = stderr
    .split('\n')
    .filter((l) => !/^Warning: max\w+ artificially reduced/.test(l) && !/^Run "quant-studio --help"/.test(l) && !/^quant-studio: building/.test(l))
    .join('\n')
    .replace(/^[\s\S]*?(?=^error: )/m, '')
    .trim();
  const base = { code, signal, message };
  if (timedOut) return { ...base, verdict: 'hang', why: 'the time bound was hit' };
  if (code === null || !EXIT_CODES.includes(code)) return { ...base, verdict: 'crash', why: `exit ${code ?? signal}` };
  if (/^\s+at .+:\d+/m.test(stderr)) return { ...base, verdict: 'crash', why: 'a stack trace' };
  if (c.expect === 'accept') return code === 0 ? { ...base, verdict: 'accepted' } : { ...base, verdict: 'wrongly-refused', why: 'a valid input was refused' };
  if (code === 0) return { ...base, verdict: 'wrongly-accepted', why: 'accepted what must be refused' };
  const missing = c.mentions.filter((m) => !message.includes(m));
  if (!message.startsWith('error: ')) return { ...base, verdict: 'vague', why: 'no error line' };
  if (/set QUANT_STUDIO_DEBUG=1 for the stack trace/.test(message)) return { ...base, verdict: 'vague', why: 'an internal error, not a message for users' };
  if (missing.length) return { ...base, verdict: 'vague', why: `does not name ${missing.map((m) => `"${m}"`).join(', ')}` };
  if (!TO_DO.test(message)) return { ...base, verdict: 'vague', why: 'does not say what to do' };
  return { ...base, verdict: 'clear' };
}

/** One case through `node bin` in `cwd`, killed (process group) after `timeoutMs`. */
export function runCase(c: HostileCase, bin: string, cwd: string, timeoutMs: number): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...c.args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 64_000) stderr += s;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ id: c.id, ms: Date.now() - t0, ...classify(c, code, signal, stderr, timedOut) });
    });
  });
}

/** Every case, `concurrency` at a time, in the order given; `onDone` sees each outcome as it ends. */
export async function runCases(cases: HostileCase[], bin: string, cwd: string, opts: { timeoutMs: number; concurrency: number; onDone?: (o: Outcome) => void }): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const bound = cases[i].expect === 'accept' ? opts.timeoutMs * 3 : opts.timeoutMs;
      out[i] = await runCase(cases[i], bin, cwd, bound);
      opts.onDone?.(out[i]);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return out;
}

export function countVerdicts(outcomes: Outcome[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const o of outcomes) counts[o.verdict]++;
  return counts;
}

/** A markdown table of the outcomes, then one summary line. */
export function formatTable(cases: HostileCase[], outcomes: Outcome[]): string {
  const lines = ['| case | what | verdict | exit | s | message (or why not clear) |', '|---|---|---|---:|---:|---|'];
  outcomes.forEach((o, i) => {
    const text = (o.why ? `${o.why}: ` : '') + o.message.replace(/^error: /, '').replace(/\s+/g, ' ');
    lines.push(`| ${o.id} | ${cases[i].what} | ${o.verdict} | ${o.code ?? o.signal} | ${(o.ms / 1000).toFixed(1)} | ${text.slice(0, 160).replace(/\|/g, '\\|')} |`);
  });
  const counts = countVerdicts(outcomes);
  lines.push('', `${outcomes.length} cases: ${VERDICTS.map((v) => `${counts[v]} ${v}`).join(', ')}`);
  return lines.join('\n');
}
