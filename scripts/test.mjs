// `npm test`: unit + GPU tests (Vitest, real WGSL on Dawn) then end-to-end tests (Playwright,
// real Chromium with WebGPU), and one closing line with the totals of both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// (not test-results/: Playwright empties that folder when it starts)
const out = path.join(root, 'test-reports');
mkdirSync(out, { recursive: true });
const bin = (n) => path.join(root, 'node_modules/.bin', n);
const step = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } }).status ?? 1;

const totals = { passed: 0, failed: 0, skipped: 0 };
const only = process.argv[2]; // 'unit' or 'e2e' to run one half

if (only !== 'e2e') {
  const vitestJson = path.join(out, 'vitest.json');
  const code = step(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
  if (existsSync(vitestJson)) {
    const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
    totals.skipped += r.numPendingTests + r.numTodoTests;
  } else totals.failed += 1;
}
// The Node engine runs on lavapipe when setup installed it; the kernels (both families) are also
// tested on SwiftShader, the adapter Chromium uses here, so every adapter this machine has runs them.
if (only !== 'e2e' && existsSync(path.join(root, '.lavapipe/lvp_icd.json')) && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) {
  const kernelsJson = path.join(out, 'vitest-swiftshader.json');
  console.log('\nKernel tests again on SwiftShader (QUANT_STUDIO_VULKAN=swiftshader):');
  const code = step(bin('vitest'), ['run', 'src/gpu', '--reporter=default', '--reporter=json', `--outputFile.json=${kernelsJson}`], { QUANT_STUDIO_VULKAN: 'swiftshader' });
  if (existsSync(kernelsJson)) {
    const r = JSON.parse(readFileSync(kernelsJson, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
    totals.skipped += r.numPendingTests + r.numTodoTests;
  } else totals.failed += 1;
}
if (only !== 'unit') {
  const pwJson = path.join(out, 'playwright.json');
  const code = step(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
  if (existsSync(pwJson)) {
    const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats;
    totals.passed += s.expected + s.flaky;
    totals.failed += s.unexpected + (code !== 0 && s.unexpected === 0 ? 1 : 0);
    totals.skipped += s.skipped;
  } else totals.failed += 1;
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed ? 1 : 0);
