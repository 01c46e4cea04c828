// "Try the demo" in one click: the bundled ResNet-20 and 300 CIFAR-10 images load from our own
// origin and run, with progress and ETA; Cancel stops a run and Run starts it again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, expect, openStudio, test, waitForRunEnd } from './fixtures';
import { ortTop1 } from './ort-reference';

test('try the demo: loads, runs, cancels and reruns', async ({ page }) => {
  const manifest = JSON.parse(readFileSync(join(DEMO, 'manifest.json'), 'utf8')) as { model: string; classes: string[]; images: string[] };
  const reference = ortTop1(join(DEMO, manifest.model), manifest.images.map((p) => join(DEMO, p)), manifest.classes);
  await openStudio(page);
  await page.getByRole('button', { name: 'Try the demo' }).click();

  const summary = page.getByTestId('model-summary');
  await expect(summary).toContainText('resnet20_cifar10.onnx', { timeout: 60_000 });
  await expect(summary.getByTestId('op-counts').locator('[data-op="Conv"] .n')).toHaveText('19');
  await expect(page.getByTestId('image-count')).toHaveText('300', { timeout: 60_000 });

  // It runs by itself: progress moves, the accuracy so far shows, and an ETA is given.
  const progress = page.getByRole('progressbar');
  await expect(progress).toHaveAttribute('aria-valuemax', '300');
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 120_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect(page.getByTestId('progress')).toContainText('ETA');
  await expect(page.getByTestId('accuracy')).toBeVisible();

  // The page stays responsive while the worker runs: timers on the page's thread keep ticking.
  const worstGapMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let last = performance.now();
        let worst = 0;
        const id = setInterval(() => {
          const t = performance.now();
          worst = Math.max(worst, t - last);
          last = t;
        }, 16);
        setTimeout(() => (clearInterval(id), resolve(worst)), 2000);
      }),
  );
  console.log(`worst main-thread timer gap while running: ${worstGapMs.toFixed(0)} ms`);
  expect(worstGapMs).toBeLessThan(500);
  await page.getByTestId('layers').scrollIntoViewIfNeeded();
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect(await waitForRunEnd(page)).toBe('cancelled');
  const done = Number(await progress.getAttribute('aria-valuenow'));
  expect(done).toBeLessThan(300);

  // Run again over the same images, to the end.
  await page.getByRole('button', { name: 'Run float inference' }).click();
  expect(await waitForRunEnd(page, 280_000)).toBe('done');
  await expect(progress).toHaveAttribute('aria-valuenow', '300');
  const accuracy = page.getByTestId('accuracy');
  await expect(accuracy).toHaveAttribute('data-labeled', '300');
  const correct = Number(await accuracy.getAttribute('data-correct'));
  const ref = await reference;
  console.log(`demo: ${correct}/300 correct; onnxruntime: ${ref.correct}/300`);
  expect(correct).toBe(ref.correct);
  await expect(page.locator('.chart')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('demo.png') });
});
