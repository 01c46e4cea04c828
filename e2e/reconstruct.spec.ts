// Block reconstruction the way a person does it: ResNet-20, calibration and evaluation images
// through the file choosers, calibrate W2A4, a short QDrop run whose loss chart grows while it
// runs (paused and resumed once) and whose drawn loss falls, a two-value ablation over p with a
// top-1 per p, and the downloaded model's top-1 in onnxruntime-node equal to the page's.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { CIFAR_TEST, chooseFilesIn, cifarTestImages, cifarTrainImages, expect, loadResnet, openStudio, reconBlockRows, runAblation, setReconFields, test } from './fixtures';
import { ortTop1 } from './ort-reference';

const CALIB = 8;
const EVAL = 20;
/**
 * Tiny settings, as SwiftShader is slow: caching a block runs the network twice over the
 * calibration images, and an iteration at batch 4 takes a few hundred ms. This test runs three
 * runs of 11 blocks: one of ITERS iterations, whose loss chart is read, then an ablation of two
 * runs of ABLATION_ITERS (the ablation checks rows and accuracies, which need no more).
 * The loss falls by about 0.003 (log) per iteration at V's learning rate of 1e-3, while the loss
 * of a batch of 4 drawn from 8 images varies by ±5-10 % from one iteration to the next: over 10
 * iterations the fall is lost in that noise (in node at seeds 1005, 7, 42, 1, 2 the least-squares
 * fall averaged over the 11 blocks was -0.038 to +0.013 in log loss, falling on 5-9 lines), over
 * 20 it is not (-0.050 to -0.078, falling on 8-11 lines).
 */
const ITERS = 20;
const ABLATION_ITERS = 5;
const BATCH = 4;

async function points(page: Page): Promise<number> {
  return Number(await page.getByTestId('recon-loss-chart').getAttribute('data-points'));
}

/** Blocks done in the checkpoint the page keeps in IndexedDB for this model, or null (never creates the database). */
function storedCheckpoint(page: Page): Promise<number | null> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'quant-studio')) return null;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('quant-studio');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      if (!db.objectStoreNames.contains('recon-checkpoints')) return null;
      const value = await new Promise<{ blocks: number } | undefined>((resolve, reject) => {
        const g = db.transaction('recon-checkpoints').objectStore('recon-checkpoints').get('recon:resnet20_cifar10.onnx');
        g.onsuccess = () => resolve(g.result as { blocks: number } | undefined);
        g.onerror = () => reject(g.error);
      });
      return value ? value.blocks : null;
    } finally {
      db.close();
    }
  });
}

async function download(page: Page): Promise<{ name: string; path: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-command="downloadModel"]').click()]);
  const path = test.info().outputPath(dl.suggestedFilename());
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), path };
}

async function figure(page: Page, id: string): Promise<{ correct: number; total: number }> {
  const el = page.getByTestId(id);
  return { correct: Number(await el.getAttribute('data-correct')), total: Number(await el.getAttribute('data-total')) };
}

/** The vertices of every line recharts drew in the chart (its SVG paths' M/L commands, in pixels). */
async function drawnLines(page: Page, testId: string): Promise<{ x: number; y: number }[][]> {
  const ds = await page.getByTestId(testId).locator('path.recharts-line-curve').evaluateAll((els) => els.map((e) => e.getAttribute('d') ?? ''));
  return ds.map((d) => [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) })));
}

/** A drawn line's rise over its width by least squares (pixels; SVG y grows downwards, so a falling loss rises). */
function fittedRise(ps: { x: number; y: number }[]): number {
  const mx = ps.reduce((a, p) => a + p.x, 0) / ps.length;
  const my = ps.reduce((a, p) => a + p.y, 0) / ps.length;
  const sxy = ps.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = ps.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return (sxy / sxx) * (ps[ps.length - 1].x - ps[0].x);
}

/** The largest gap between 16 ms timer ticks on the page's thread over `ms`. */
function worstTimerGap(page: Page, ms: number): Promise<number> {
  return page.evaluate(
    (ms) =>
      new Promise<number>((resolve) => {
        let last = performance.now();
        let worst = 0;
        const id = setInterval(() => {
          const t = performance.now();
          worst = Math.max(worst, t - last);
          last = t;
        }, 16);
        setTimeout(() => (clearInterval(id), resolve(worst)), ms);
      }),
    ms,
  );
}

test('reconstruct ResNet-20 W2A4 with QDrop, ablate p, download: onnxruntime gives the page’s accuracy', async ({ page }) => {
  test.setTimeout(600_000);
  const t0 = Date.now();
  const lap = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${what}`);
  const evalImages = cifarTestImages(EVAL);
  const { classes } = JSON.parse(readFileSync(join(CIFAR_TEST, '../labels.json'), 'utf8')) as { classes: string[] };
  await openStudio(page);
  await loadResnet(page);
  await chooseFilesIn(page, 'calib-zone', 'Files…', cifarTrainImages(CALIB));
  await expect(page.getByTestId('calib-count')).toHaveText(String(CALIB));
  await chooseFilesIn(page, 'eval-zone', 'Files…', evalImages);
  await expect(page.getByTestId('eval-count')).toHaveText(String(EVAL));
  await page.getByLabel('Weight bits', { exact: true }).selectOption('2');
  await page.getByLabel('Activation bits', { exact: true }).selectOption('4');
  await expect(page.getByTestId('config-summary')).toHaveText('W2A4');
  await page.locator('[data-command="calibrate"]').click();
  await expect(page.getByTestId('calib-status')).toHaveText('done', { timeout: 150_000 });
  lap('calibrated');
  const calibrated = await download(page);
  expect(calibrated.name).toBe('resnet20_cifar10_w2a4_mse.onnx');

  // The panel appears with the block partition of the calibrated model.
  const panel = page.getByRole('region', { name: 'Reconstruct' });
  await expect(panel).toBeVisible();
  await page.getByLabel('Method', { exact: true }).selectOption('qdrop');
  await expect(page.getByLabel('Drop probability', { exact: true })).toHaveValue('0.5');
  await setReconFields(page, { Iterations: String(ITERS) });
  await expect(page.getByLabel('Iterations preset', { exact: true })).toHaveValue('custom');
  await setReconFields(page, { 'Training batch': String(BATCH), 'Flatness points': '3', Seed: '1005' });
  const { rows: blocks, count: nBlocks } = await reconBlockRows(page);
  expect(nBlocks).toBeGreaterThan(3); // stem, residual blocks, classifier
  await expect(page.getByTestId('recon-blocks')).toContainText('residual');

  // Run: the loss chart grows while it runs, and the page stays responsive.
  await page.locator('[data-command="runRecon"]').click();
  await expect(page.getByTestId('recon-progress')).toContainText('ETA');
  await expect.poll(() => points(page), { timeout: 120_000 }).toBeGreaterThan(0);
  const first = await points(page);
  const gap = await worstTimerGap(page, 1000);
  await expect.poll(() => points(page), { timeout: 120_000 }).toBeGreaterThan(first);
  const second = await points(page);
  lap(`loss chart ${first} → ${second} points; worst timer gap ${gap.toFixed(0)} ms`);
  expect(gap).toBeLessThan(500);

  // Pause holds the run between history windows; Resume continues it.
  await page.locator('[data-command="pauseRecon"]').click();
  await expect(page.getByTestId('recon-status')).toHaveText('paused');
  await page.waitForTimeout(1500); // a window already under way may still land
  const held = await points(page);
  await page.waitForTimeout(2000);
  expect(await points(page)).toBe(held);
  await page.locator('[data-command="resumeRecon"]').click();
  await expect(page.getByTestId('recon-status')).toHaveText('running');
  // After each block the page keeps a checkpoint in IndexedDB (for "Resume" after a reload).
  await expect(blocks.nth(1)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect.poll(() => storedCheckpoint(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

  await expect(page.getByTestId('recon-status')).toHaveText(/^(done|cancelled|failed)$/, { timeout: 300_000 });
  expect(await page.getByTestId('recon-status').textContent()).toBe('done');
  await expect(blocks.filter({ has: page.locator('[data-testid="block-loss"]') })).toHaveCount(nBlocks);
  await expect.poll(() => storedCheckpoint(page)).toBeNull(); // a finished run leaves nothing to resume
  await expect(page.getByTestId('recon-checkpoint')).toHaveCount(0);
  expect(await points(page)).toBe(nBlocks * ITERS);
  // What is drawn: one SVG line per block, ITERS vertices each, every vertex inside the plot;
  // the loss (log axis) falls: the least-squares fit of each line, averaged over the blocks, and on
  // most lines. (A single line can rise: noise; accuracy.test.ts pins what reconstruction achieves.)
  const lines = await drawnLines(page, 'recon-loss-chart');
  expect(lines.length).toBe(nBlocks);
  expect(lines.every((l) => l.length === ITERS && l.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y >= 0))).toBe(true);
  const rises = lines.map(fittedRise);
  const meanRise = rises.reduce((a, r) => a + r, 0) / rises.length;
  const falls = rises.filter((r) => r > 0).length;
  // the y axis has a tick per decade: the mean rise in pixels as the geometric mean fall of the loss
  const ticks = await page.getByTestId('recon-loss-chart').locator('.recharts-yAxis line.recharts-cartesian-axis-tick-line').evaluateAll((els) => els.map((e) => Number(e.getAttribute('y1'))));
  const decade = Math.abs(ticks[0] - ticks[1]);
  lap(`loss falls on ${falls} of ${lines.length} drawn lines; fitted fall per line ${rises.map((r) => r.toFixed(2)).join(' ')} px, mean ${meanRise.toFixed(2)} px (${decade.toFixed(0)} px a decade: the loss falls by ${(100 * (1 - 10 ** (-meanRise / decade))).toFixed(1)} %)`);
  expect(meanRise).toBeGreaterThan(0);
  expect(falls).toBeGreaterThan(lines.length / 2);
  await expect(page.getByTestId('recon-flatness-chart')).toHaveAttribute('data-points', String(nBlocks * 3));
  // ...then the reconstructed model is evaluated by itself.
  await expect(page.getByTestId('eval-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('recon-runs').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('recon-runs').locator('tbody tr').first()).toContainText('%');
  lap('single run done and evaluated');

  // Ablation over p: two runs of the same tiny settings (fewer iterations), a row with the top-1 of each.
  await setReconFields(page, { Iterations: String(ABLATION_ITERS) });
  const table = await runAblation(page, '1, 0.5');
  const rows = await table.locator('tbody tr').evaluateAll((els) => els.map((e) => ({ p: (e as HTMLElement).dataset.p, status: (e as HTMLElement).dataset.status, correct: (e as HTMLElement).dataset.correct, labeled: (e as HTMLElement).dataset.labeled })));
  expect(rows.map((r) => [r.p, r.status, r.labeled])).toEqual([['1', 'done', String(EVAL)], ['0.5', 'done', String(EVAL)]]);
  await expect(table.getByTestId('ablation-top1').nth(1)).toContainText('%');
  await expect(page.getByTestId('ablation-loss-chart')).toHaveAttribute('data-series', '2');
  await expect(page.getByTestId('ablation-flatness-chart')).toHaveAttribute('data-series', '2');
  await expect(page.getByTestId('recon-runs').locator('tbody tr')).toHaveCount(3);
  lap(`ablation done: ${rows.map((r) => `p=${r.p} ${r.correct}/${r.labeled}`).join(', ')}`);

  // The page's figure is the last run's (p = 0.5); the downloaded file gives the same answers.
  await expect(page.getByTestId('eval-status')).toHaveText('done');
  const quant = await figure(page, 'quant-top1');
  expect(quant.total).toBe(EVAL);
  expect(String(quant.correct)).toBe(rows[1].correct);
  await page.screenshot({ path: test.info().outputPath('reconstruct.png'), fullPage: true });
  const model = await download(page);
  expect(model.name).toBe('resnet20_cifar10_w2a4_mse_qdrop.onnx');
  expect(readFileSync(model.path).equals(readFileSync(calibrated.path))).toBe(false); // the learned rounding is in the file
  const ref = await ortTop1(model.path, evalImages, classes);
  const cells = new Map(
    await page.getByTestId('results').locator('li').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.name!, Number((e as HTMLElement).dataset.quant)] as const)),
  );
  const differ = evalImages.filter((p, i) => cells.get(basename(p)) !== ref.top1[i]).length;
  lap(`studio ${quant.correct}/${EVAL}, onnxruntime-node ${ref.correct}/${EVAL}, ${differ} image(s) differ`);
  expect(ref.correct).toBe(quant.correct);
});
