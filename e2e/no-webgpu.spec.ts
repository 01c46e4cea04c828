// Without WebGPU (Chromium started without --enable-unsafe-webgpu, so no adapter) the page says
// what is needed, still reads and summarizes a model, and a run explains why it cannot start.
import { RESNET20, chooseFiles, cifarTestImages, expect, test } from './fixtures';
import config from '../playwright.config';

const args = (config.use?.launchOptions?.args ?? []).filter((a) => a !== '--enable-unsafe-webgpu');
test.use({ launchOptions: { ...config.use?.launchOptions, args } });

test('no WebGPU: a clear message, the summary still shows, running explains why not', async ({ page }) => {
  await page.goto('/');
  const banner = page.getByTestId('no-webgpu');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await expect(banner).toContainText('--enable-unsafe-webgpu');
  await expect(banner).toContainText(/Chrome|Edge/);

  await chooseFiles(page, 'Open model…', [RESNET20]);
  const summary = page.getByTestId('model-summary');
  await expect(summary).toContainText('resnet20_cifar10.onnx');
  await expect(summary.getByTestId('op-counts').locator('[data-op="Conv"] .n')).toHaveText('19');

  await chooseFiles(page, 'Choose images…', cifarTestImages(4));
  await page.getByRole('button', { name: 'Run float inference' }).click();
  const err = page.getByRole('alert').filter({ hasText: 'Inference failed' });
  await expect(err).toHaveAttribute('data-code', 'no-webgpu');
  await expect(err).toContainText('WebGPU');
});
