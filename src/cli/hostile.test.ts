// The fast subset of the hostile corpus (src/test/hostile-*.ts; the whole runs in `npm run bench`
// as bench/hostile.ts) through the real CLI: every case a clear error or a correct acceptance, with
// the CLI's documented exit codes; no crash, no hang, no vague message; no file left behind.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedMissing } from '../data/test-paths';
import { generateCorpus, type Corpus } from '../test/hostile-files';
import { countVerdicts, formatTable, runCases, VERDICTS } from '../test/hostile-run';

const bin = resolve(repoRoot, 'bin/quant-studio.mjs');

describe.skipIf(sharedMissing)(`hostile inputs through the CLI ${sharedMissing}`, () => {
  let corpus: Corpus;
  beforeAll(() => {
    const r = spawnSync(process.execPath, [bin, '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 280_000 }); // builds dist-cli when needed
    expect(r.status, r.stderr).toBe(0);
    corpus = generateCorpus();
  }, 300_000);
  afterAll(() => corpus?.cleanup());

  it('the generator makes over 100 cases, each with a unique id', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(corpus.cases.map((c) => c.id)).size).toBe(corpus.cases.length);
  });

  it('refuses each fast case with a specific message or accepts it correctly', async () => {
    const cases = corpus.cases.filter((c) => c.fast);
    expect(cases.length).toBeGreaterThanOrEqual(15);
    const outcomes = await runCases(cases, bin, repoRoot, { timeoutMs: 30_000, concurrency: 2 });
    const counts = countVerdicts(outcomes);
    const table = formatTable(cases, outcomes);
    for (const v of VERDICTS) if (v !== 'clear' && v !== 'accepted') expect(counts[v], `${v}\n${table}`).toBe(0);
    expect(counts.clear).toBeGreaterThan(0);
    expect(counts.accepted).toBeGreaterThan(0);
  }, 240_000);

  it('leaves no file behind', () => {
    const dir = corpus.dir;
    corpus.cleanup();
    expect(existsSync(dir)).toBe(false);
  });
});
