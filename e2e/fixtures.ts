// Shared e2e setup: paths into ../shared (relative to the repo root), a `test` whose every page
// fails on console errors, and helpers that drive the page the way a person does (file choosers,
// reconstruction settings, an ablation run).
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SHARED = resolve(here, '../../shared');
export const RESNET20 = join(SHARED, 'models/resnet20_cifar10.onnx');
export const CIFAR_TEST = join(SHARED, 'data/cifar10/test');
export const CIFAR_TRAIN = join(SHARED, 'data/cifar10/train');
/** The bundled demo (public/demo: model, images, manifest.json), as the page serves it. */
export const DEMO = resolve(here, '../public/demo');

function pngs(dir: string, n: number, from: number): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .slice(from, from + n)
    .map((f) => join(dir, f));
}

/** The first n CIFAR-10 test images (sorted), as absolute paths. */
export function cifarTestImages(n: number, from = 0): string[] {
  return pngs(CIFAR_TEST, n, from);
}

/** CIFAR-10's class names in label order (labels.json beside the test images). */
export function cifarClasses(): string[] {
  return (JSON.parse(readFileSync(join(CIFAR_TEST, '../labels.json'), 'utf8')) as { classes: string[] }).classes;
}

/** The first n CIFAR-10 training images (the calibration pool), as absolute paths. */
export function cifarTrainImages(n: number, from = 0): string[] {
  return pngs(CIFAR_TRAIN, n, from);
}

interface Fixtures {
  /** Console errors and uncaught page errors seen so far; the test fails if any remain at its end. */
  consoleErrors: string[];
}

export const test = base.extend<Fixtures>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      await use(errors);
      expect(errors, 'no console errors during the test').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** Click a button that opens a file chooser and choose these files. */
export async function chooseFiles(
  page: Page,
  button: string,
  files: string[] | { name: string; mimeType: string; buffer: Buffer }[],
): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: button, exact: true }).click()]);
  await chooser.setFiles(files);
}

/** Click a chooser button inside the element with this test id (e.g. an image-set zone) and choose these files. */
export async function chooseFilesIn(page: Page, testId: string, button: string, files: string[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId(testId).getByRole('button', { name: button, exact: true }).click()]);
  await chooser.setFiles(files);
}

/** Open the page and wait for the worker to report its GPU. */
export async function openStudio(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('device')).toBeVisible({ timeout: 60_000 });
}

/** Wait until the run has ended (done, cancelled or failed) and return its status. */
export async function waitForRunEnd(page: Page, timeout = 240_000): Promise<string> {
  const status = page.getByTestId('run-status');
  await expect(status).toHaveText(/^(done|cancelled|failed)$/, { timeout });
  return (await status.textContent()) ?? '';
}

export async function loadResnet(page: Page): Promise<void> {
  await chooseFiles(page, 'Open model…', [RESNET20]);
  await expect(page.getByTestId('model-summary')).toContainText('resnet20_cifar10.onnx', { timeout: 60_000 });
}

/** Open the page, load ResNet-20 and choose its evaluation images (calibration images first, when given) through the file choosers. */
export async function openResnetWith(page: Page, images: { eval: string[]; calib?: string[] }): Promise<void> {
  await openStudio(page);
  await loadResnet(page);
  if (images.calib) {
    await chooseFilesIn(page, 'calib-zone', 'Files…', images.calib);
    await expect(page.getByTestId('calib-count')).toHaveText(String(images.calib.length));
  }
  await chooseFilesIn(page, 'eval-zone', 'Files…', images.eval);
  await expect(page.getByTestId('eval-count')).toHaveText(String(images.eval.length));
}

/** Wait for a job's status (calib, eval, verify) to settle and return it. */
export async function jobEnd(page: Page, id: string, timeout = 150_000): Promise<string> {
  const status = page.getByTestId(`${id}-status`);
  await expect(status).toHaveText(/^(done|cancelled|failed)$/, { timeout });
  return (await status.textContent()) ?? '';
}

/** A top-1 figure's counts (float-top1, quant-top1, agreement, ort-top1). */
export async function figure(page: Page, id: string): Promise<{ correct: number; total: number }> {
  const el = page.getByTestId(id);
  return { correct: Number(await el.getAttribute('data-correct')), total: Number(await el.getAttribute('data-total')) };
}

/** Click the command's download button and save the file in the test's output folder. */
export async function download(page: Page, command: string): Promise<{ name: string; path: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-command="${command}"]`).click()]);
  const path = test.info().outputPath(dl.suggestedFilename());
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), path };
}

/** Set the reconstruction settings fields, by label, in this order (type, Enter) and see each took its value. */
export async function setReconFields(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [label, value] of Object.entries(fields)) {
    const input = page.getByTestId('recon-config').getByLabel(label, { exact: true });
    await input.fill(value);
    await input.press('Enter');
    await expect(input).toHaveValue(value);
  }
}

/** The rows of the Reconstruct panel's block partition once it shows, and how many there are. */
export async function reconBlockRows(page: Page): Promise<{ rows: Locator; count: number }> {
  const rows = page.getByTestId('recon-blocks').locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  return { rows, count: await rows.count() };
}

/** Run an ablation over these drop probabilities ("1, 0.5"): a row each, and the run done; returns its table. */
export async function runAblation(page: Page, probabilities: string): Promise<Locator> {
  await page.getByLabel('Drop probabilities', { exact: true }).fill(probabilities);
  await page.locator('[data-command="runAblation"]').click();
  const table = page.getByTestId('ablation-table');
  await expect(table.locator('tbody tr')).toHaveCount(probabilities.split(',').length);
  await expect(table).toHaveAttribute('data-status', /^(done|cancelled|error)$/, { timeout: 400_000 });
  await expect(table).toHaveAttribute('data-status', 'done');
  return table;
}
