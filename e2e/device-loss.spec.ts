// GPU device loss in the page: with the test-only ?test-hooks query the worker destroys its device in
// the middle of block 2 of a short QDrop reconstruction of ResNet-20; the worker recreates the device
// and the model, resumes at block 2 from the state of the finished blocks, the page says so, and the
// run finishes. A second run on the new device, not interrupted, downloads the same model bytes.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { chooseFilesIn, cifarTrainImages, expect, loadResnet, reconBlockRows, setReconFields, test } from './fixtures';

const CALIB = 8;
const ITERS = 6;
const BATCH = 4;

async function download(page: Page, as: string): Promise<Buffer> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-command="downloadModel"]').click()]);
  const path = test.info().outputPath(as);
  await dl.saveAs(path);
  return readFileSync(path);
}

async function runRecon(page: Page): Promise<void> {
  await page.locator('[data-command="runRecon"]').click();
  await expect(page.getByTestId('recon-status')).toHaveText('running');
  await expect(page.getByTestId('recon-status')).toHaveText(/^(done|cancelled|failed)$/, { timeout: 240_000 });
  expect(await page.getByTestId('recon-status').textContent()).toBe('done');
}

test('the device lost mid-block 2 is recreated, the run resumes at block 2 and ends as an uninterrupted one', async ({ page }) => {
  test.setTimeout(400_000);
  await page.goto('/?test-hooks=lose-device-in-block:2');
  await expect(page.getByTestId('device')).toBeVisible({ timeout: 60_000 });
  await loadResnet(page);
  await chooseFilesIn(page, 'calib-zone', 'Files…', cifarTrainImages(CALIB));
  await expect(page.getByTestId('calib-count')).toHaveText(String(CALIB));
  await page.getByLabel('Weight bits', { exact: true }).selectOption('2');
  await page.getByLabel('Activation bits', { exact: true }).selectOption('4');
  await page.locator('[data-command="calibrate"]').click();
  await expect(page.getByTestId('calib-status')).toHaveText('done', { timeout: 150_000 });

  await page.getByLabel('Method', { exact: true }).selectOption('qdrop');
  await setReconFields(page, { Iterations: String(ITERS), 'Training batch': String(BATCH), 'Flatness points': '0', Seed: '1005' });
  const { rows: blocks, count: nBlocks } = await reconBlockRows(page);

  await runRecon(page);
  const notice = page.getByTestId('recon-notice');
  await expect(notice).toHaveCount(1);
  await expect(notice).toHaveText(/^GPU device was lost during block 2 \(destroyed\); recreated it and resumed at block 2 \(recovery 1 of 2\)\.$/);
  await expect(blocks.filter({ has: page.locator('[data-testid="block-loss"]') })).toHaveCount(nBlocks);
  const survived = await download(page, 'survived.onnx');

  // the hook fires once per worker: this run is not interrupted
  await runRecon(page);
  await expect(notice).toHaveCount(0);
  const uninterrupted = await download(page, 'uninterrupted.onnx');
  expect(survived.equals(uninterrupted)).toBe(true);
});
