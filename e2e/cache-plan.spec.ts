// The reconstruction caches planned before Run, the way a person sees them: ResNet-20 calibrated on
// 8 images shows each block's planned cache size and storage and the largest against the budget;
// the line follows the budget, the number of images reconstruction trains on and the method.
// (Which blocks go float16 or do not fit is pinned by src/recon/cache-plan.test.ts and the store's
// tests: here 8 images fit any budget the page allows.)
import { chooseFilesIn, cifarTrainImages, expect, loadResnet, openStudio, test } from './fixtures';

test('the Reconstruct panel shows each block’s planned caches before Run', async ({ page }) => {
  await openStudio(page);
  await loadResnet(page);
  await chooseFilesIn(page, 'calib-zone', 'Files…', cifarTrainImages(8));
  await expect(page.getByTestId('calib-count')).toHaveText('8');
  await page.locator('[data-command="calibrate"]').click();
  await expect(page.getByTestId('calib-status')).toHaveText('done', { timeout: 150_000 });

  const line = page.getByTestId('recon-cache-plan');
  const cells = page.getByTestId('block-cache-plan');
  // stem: (3·32·32 + 16·32·32) values × 8 images × 4 bytes = 0.6 MiB; layer1 blocks: three 16·32·32 caches, 1.5 MiB
  await expect(line).toHaveText('Caches: 8 images, at most 1.5 MiB per block of the 2048.0 MiB budget');
  await expect(cells).toHaveCount(11);
  await expect(cells.first()).toHaveText('0.6 MiB float32');
  await expect(cells.nth(1)).toHaveText('1.5 MiB float32');

  const budget = page.getByTestId('recon-config').getByLabel('Cache budget (MiB)', { exact: true });
  await budget.fill('16');
  await budget.press('Enter');
  await expect(line).toHaveText('Caches: 8 images, at most 1.5 MiB per block of the 16.0 MiB budget');

  // reconstruction trains on its own count of the calibration images (calibration keeps its 256)
  await expect(page.getByText('trains on 8 calibration images')).toBeVisible();
  const images = page.getByTestId('recon-config').getByLabel('Images', { exact: true });
  await images.fill('4');
  await images.press('Enter');
  await expect(line).toContainText('Caches: 4 images, at most');
  await expect(page.getByText('trains on 4 calibration images')).toBeVisible();

  await page.getByLabel('Method', { exact: true }).selectOption('adaround');
  await expect(cells).toHaveCount(20); // one block per layer
  await expect(line).toContainText('of the 16.0 MiB budget');
  await page.getByRole('region', { name: 'Reconstruct' }).screenshot({ path: test.info().outputPath('cache-plan.png') });
});
