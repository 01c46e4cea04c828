// The other ways in: a folder with one sub-folder per class through the folder chooser
// (<input webkitdirectory>), and a model plus images dropped on the page.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RESNET20, chooseFiles, cifarTestImages, expect, loadResnet, openStudio, test, waitForRunEnd } from './fixtures';

test('a folder per class, chosen with the folder chooser, is labelled and runs', async ({ page }) => {
  const root = test.info().outputPath('picked');
  const images = cifarTestImages(12);
  for (const [i, p] of images.entries()) {
    const cls = /^\d+_(.+)\.png$/.exec(basename(p))![1];
    mkdirSync(join(root, cls), { recursive: true });
    copyFileSync(p, join(root, cls, `img${i}.png`)); // the class is only in the folder name
  }
  await openStudio(page);
  await loadResnet(page);
  await chooseFiles(page, 'Choose folder…', [root]);
  await expect(page.getByTestId('image-count')).toHaveText('12');
  await expect(page.getByText('labels: folder per class')).toBeVisible();
  await page.getByRole('button', { name: 'Run float inference' }).click();
  expect(await waitForRunEnd(page)).toBe('done');
  await expect(page.getByTestId('accuracy')).toHaveAttribute('data-labeled', '12');
});

test('dropping a model and images on the page loads and labels them', async ({ page }) => {
  await openStudio(page);
  const files = [RESNET20, ...cifarTestImages(5)].map((p) => ({ name: basename(p), b64: readFileSync(p).toString('base64') }));
  const dt = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.name.endsWith('.png') ? 'image/png' : '' }));
    }
    return dt;
  }, files);
  await page.dispatchEvent('body', 'dragenter', { dataTransfer: dt });
  await expect(page.getByText('Drop to open')).toBeVisible();
  await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
  await expect(page.getByText('Drop to open')).toHaveCount(0);
  await expect(page.getByTestId('model-summary')).toContainText('resnet20_cifar10.onnx', { timeout: 60_000 });
  await expect(page.getByTestId('image-count')).toHaveText('5');
  await expect(page.getByText('labels: file names')).toBeVisible();
  await page.keyboard.press('Control+Enter'); // the Run command's shortcut
  expect(await waitForRunEnd(page)).toBe('done');
  await expect(page.getByTestId('accuracy')).toHaveAttribute('data-labeled', '5');
});
