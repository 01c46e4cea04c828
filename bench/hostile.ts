// The hostile corpus through the CLI (issue 12): generates ≥ 100 hostile models, image folders and
// file paths into a temporary folder, runs each with `node bin/quant-studio.mjs eval|quantize` under a
// time bound, classifies it (clear error, correct acceptance, vague, crash, hang, wrongly accepted or
// refused), prints a table and a summary, removes the folder and writes the counts to
// bench/results.json under `hostile`. Exit code 1 when any case is not a clear error or a correct acceptance.
//   npx tsx bench/hostile.ts [--fast] [--timeout 30] [--concurrency 2] [--no-write]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateCorpus } from '../src/test/hostile-files';
import { countVerdicts, formatTable, GOOD, runCases } from '../src/test/hostile-run';
import { flagValue, root } from './lib/engine';

const argv = process.argv.slice(2);
const fast = argv.includes('--fast');
const timeoutS = Number(flagValue(argv, 'timeout') ?? 30);
const concurrency = Number(flagValue(argv, 'concurrency') ?? 2);
const bin = path.join(root, 'bin/quant-studio.mjs');

const corpus = generateCorpus();
const stop = () => {
  corpus.cleanup();
  process.exit(130);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
let failed = 0;
try {
  const cases = fast ? corpus.cases.filter((c) => c.fast) : corpus.cases;
  console.error(`[hostile] ${cases.length} cases in ${corpus.dir}; building the CLI when needed …`);
  const build = spawnSync(process.execPath, [bin, '--help'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the CLI does not build: ${build.stderr}`);
  const t0 = Date.now();
  let done = 0;
  const outcomes = await runCases(cases, bin, root, {
    timeoutMs: timeoutS * 1000,
    concurrency,
    onDone: (o) => console.error(`[hostile ${++done}/${cases.length}] ${o.id}: ${o.verdict}${o.why ? ` (${o.why})` : ''}`),
  });
  const table = formatTable(cases, outcomes);
  console.log(table);
  const counts = countVerdicts(outcomes);
  const bad = outcomes.filter((o) => !GOOD.has(o.verdict));
  failed = bad.length;
  const seconds = Math.round((Date.now() - t0) / 1000);
  console.log(`\n${cases.length} cases in ${seconds} s (time bound ${timeoutS} s per error case, ${3 * timeoutS} s per valid one)${bad.length ? `; not clear: ${bad.map((o) => o.id).join(', ')}` : ''}`);
  mkdirSync(path.join(root, 'bench/out'), { recursive: true });
  writeFileSync(path.join(root, 'bench/out/hostile.md'), table + '\n');
  if (!fast && !argv.includes('--no-write')) {
    const file = path.join(root, 'bench/results.json');
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
    const hostile = {
      date: new Date().toISOString(),
      command: 'npx tsx bench/hostile.ts',
      cases: cases.length,
      counts,
      expectedErrors: cases.filter((c) => c.expect === 'error').length,
      expectedAcceptances: cases.filter((c) => c.expect === 'accept').length,
      timeBoundSeconds: timeoutS,
      seconds,
      notClear: bad.map((o) => ({ id: o.id, verdict: o.verdict, why: o.why ?? '' })),
    };
    writeFileSync(file, JSON.stringify({ ...prev, hostile }, null, 2) + '\n');
    console.error('[hostile] counts written to bench/results.json (hostile)');
  }
} finally {
  corpus.cleanup();
}
process.exit(failed ? 1 : 0);
