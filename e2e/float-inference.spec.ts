// A person opens ResNet-20 and 100 CIFAR-10 test images through the file choosers, reads the
// model summary, runs float inference and gets onnxruntime's accuracy, image by image.
import { CIFAR_TEST, RESNET20, chooseFiles, cifarTestImages, expect, loadResnet, openStudio, test, waitForRunEnd } from './fixtures';
import { ortTop1 } from './ort-reference';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const N = 100;

test('resnet20: summary, then 100 CIFAR-10 images match onnxruntime', async ({ page }) => {
  const images = cifarTestImages(N);
  const { classes } = JSON.parse(readFileSync(join(CIFAR_TEST, '../labels.json'), 'utf8')) as { classes: string[] };
  const reference = ortTop1(RESNET20, images, classes);

  await openStudio(page);
  await loadResnet(page);
  const summary = page.getByTestId('model-summary');
  await expect(summary.getByTestId('op-counts').locator('[data-op="Conv"] .n')).toHaveText('19');
  await expect(summary.getByTestId('param-count')).toContainText('0.27 M');
  await expect(summary.locator('table.io').first()).toContainText(/input\s*\[[^,\]]+, 3, 32, 32\]/);
  await expect(summary.locator('table.io').nth(1)).toContainText(/\[[^,\]]+, 10\]/);
  await expect(page.getByTestId('layers').locator('tbody tr')).toHaveCount(20); // 19 Conv + 1 Gemm
  await expect(page.getByTestId('preprocess')).toBeVisible();
  await expect(page.getByRole('combobox').first()).toHaveValue('cifar10');

  await chooseFiles(page, 'Choose images…', images);
  await expect(page.getByTestId('image-count')).toHaveText(String(N));
  await expect(page.getByText('labels: file names')).toBeVisible();

  await page.getByRole('button', { name: 'Run float inference' }).click();
  await expect(page.getByRole('progressbar')).toBeVisible();
  expect(await waitForRunEnd(page)).toBe('done');

  const ref = await reference;
  const accuracy = page.getByTestId('accuracy');
  await expect(accuracy).toHaveAttribute('data-labeled', String(N));
  const correct = Number(await accuracy.getAttribute('data-correct'));
  console.log(`page: ${correct}/${N} correct; onnxruntime: ${ref.correct}/${N}`);
  expect(correct).toBe(ref.correct);
  await expect(accuracy).toHaveText(`${((100 * ref.correct) / N).toFixed(2)} %`);

  // Image by image: the page's top-1 is onnxruntime's.
  const cells = await page.getByTestId('results').locator('li').evaluateAll((els) =>
    els.map((e) => [(e as HTMLElement).dataset.name!, Number((e as HTMLElement).dataset.top1)] as const),
  );
  const byName = new Map(cells);
  const disagree = images.filter((p, i) => byName.get(basename(p)) !== ref.top1[i]).map((p) => basename(p));
  expect(disagree).toEqual([]);
});

