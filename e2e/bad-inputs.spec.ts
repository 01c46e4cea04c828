// Bad files through the file choosers: a text file named .onnx, a truncated model and an
// undecodable image each give their own error, and the page keeps working (nothing is lost).
import { readFileSync } from 'node:fs';
import { RESNET20, chooseFiles, cifarTestImages, expect, loadResnet, openStudio, test, waitForRunEnd } from './fixtures';

test('bad model files and images give specific errors; the page keeps working', async ({ page }) => {
  await openStudio(page);
  await loadResnet(page);
  const errors = page.getByRole('alert');

  // A text file renamed .onnx.
  await chooseFiles(page, 'Open model…', [{ name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('These are my notes, not a model.\n'.repeat(20)) }]);
  const notOnnx = errors.filter({ hasText: 'notes.onnx' });
  await expect(notOnnx).toBeVisible();
  await expect(notOnnx).toHaveAttribute('data-code', 'not-onnx');
  await expect(page.getByTestId('model-summary')).toContainText('resnet20_cifar10.onnx'); // still loaded

  // The first 1000 bytes of the real model.
  const head = readFileSync(RESNET20).subarray(0, 1000);
  await chooseFiles(page, 'Open model…', [{ name: 'truncated.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(head) }]);
  const truncated = errors.filter({ hasText: 'truncated.onnx' });
  await expect(truncated).toBeVisible();
  await expect(truncated).toHaveAttribute('data-code', 'truncated');
  await expect(page.getByTestId('model-summary')).toContainText('resnet20_cifar10.onnx');

  // Errors are dismissable.
  await notOnnx.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notOnnx).toHaveCount(0);
  await truncated.getByRole('button', { name: 'Dismiss' }).click();
  await expect(errors).toHaveCount(0);

  // An undecodable image among good ones: it is marked, the others still run.
  const good = cifarTestImages(8);
  const broken = { name: '9999_cat.png', mimeType: 'image/png', buffer: Buffer.concat([readFileSync(good[0]).subarray(0, 8), Buffer.from('garbage'.repeat(30))]) };
  const files = [...good.map((p) => ({ name: p.split('/').pop()!, mimeType: 'image/png', buffer: readFileSync(p) })), broken];
  await chooseFiles(page, 'Choose images…', files);
  await expect(page.getByTestId('image-count')).toHaveText('9');
  await page.getByRole('button', { name: 'Run float inference' }).click();
  expect(await waitForRunEnd(page)).toBe('done');
  const badImage = errors.filter({ hasText: '9999_cat.png' });
  await expect(badImage).toBeVisible();
  await expect(badImage).toHaveAttribute('data-code', 'bad-image');
  await expect(page.locator('[data-name="9999_cat.png"]')).toHaveAttribute('data-verdict', 'failed');
  await expect(page.getByTestId('accuracy')).toHaveAttribute('data-labeled', '8');
  await expect(page.getByTestId('progress')).toContainText('1 unreadable');

  // A file that is neither model, image nor labels.
  await chooseFiles(page, 'Choose images…', [{ name: 'readme.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('x') }]);
  await expect(errors.filter({ hasText: 'readme.docx' })).toBeVisible();
  await expect(page.getByTestId('image-count')).toHaveText('9');

  // Still working: run again.
  await page.getByRole('button', { name: 'Run float inference' }).click();
  expect(await waitForRunEnd(page)).toBe('done');
  await expect(page.getByTestId('model-summary')).toContainText('resnet20_cifar10.onnx');
});
