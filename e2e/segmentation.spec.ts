// A dynamic-size segmentation model the way a person uses it: drop LR-ASPP ([N, 3, H, W]), set the
// input size, run it and see the class map; calibrate W8A8, evaluate without labels and see the
// per-output fidelity and the class maps float beside quantized.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { SHARED, chooseFiles, chooseFilesIn, cifarTestImages, cifarTrainImages, expect, openStudio, test, waitForRunEnd } from './fixtures';

const LRASPP = join(SHARED, 'models/zoo/lraspp_mobilenet_v3_large.onnx');

async function jobEnd(page: Page, id: string, timeout = 240_000): Promise<string> {
  const status = page.getByTestId(`${id}-status`);
  await expect(status).toHaveText(/^(done|cancelled|failed)$/, { timeout });
  return (await status.textContent()) ?? '';
}

test('LR-ASPP: set a size, run it, see the segmentation map; quantize and compare float with quantized', async ({ page }) => {
  await openStudio(page);
  await chooseFiles(page, 'Open model…', [LRASPP]);
  await expect(page.getByTestId('model-summary')).toContainText('lraspp_mobilenet_v3_large.onnx', { timeout: 120_000 });

  // H and W are not fixed: the size field starts at the ImageNet preset's 224×224
  const size = page.getByTestId('input-size').getByRole('textbox');
  await expect(size).toHaveValue('224×224');
  await size.fill('64×64');
  await size.press('Enter');
  await expect(page.getByTestId('input-shape-run')).toContainText('[16, 3, 64, 64]');

  await chooseFilesIn(page, 'eval-zone', 'Files…', cifarTestImages(4));
  await page.locator('[data-command="run"]').click();
  expect(await waitForRunEnd(page)).toBe('done');
  const floatMap = page.getByTestId('float-class-maps').getByTestId('class-map-float');
  await expect(floatMap).toBeVisible();
  expect(await floatMap.evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([64, 64]);

  await chooseFilesIn(page, 'calib-zone', 'Files…', cifarTrainImages(4));
  await page.getByLabel('Weight observer', { exact: true }).selectOption('minmax');
  await page.getByLabel('Activation observer', { exact: true }).selectOption('minmax');
  await page.locator('[data-command="calibrate"]').click();
  expect(await jobEnd(page, 'calib')).toBe('done');
  await page.locator('[data-command="evaluate"]').click();
  expect(await jobEnd(page, 'eval')).toBe('done');

  const fidelity = page.getByTestId('fidelity');
  await expect(fidelity.locator('tr[data-output="output"]')).toContainText('pixels');
  const db = Number((await fidelity.getByTestId('fidelity-sqnr').textContent())?.replace(/[^\d.]/g, ''));
  expect(db).toBeGreaterThan(20); // W8A8
  const maps = fidelity.getByTestId('dense-maps');
  await expect(maps.getByTestId('class-map-float')).toBeVisible();
  await expect(maps.getByTestId('class-map-quantized')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('segmentation.png'), fullPage: true });
});
