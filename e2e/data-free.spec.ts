// Data-free SQuant the way a person does it: ResNet-20 and evaluation images through the file
// choosers, no calibration images, SQuant W4A8 in one click, evaluate, download; onnxruntime-node on
// the file gives the page's top-1, the level plot shows a layer's uniform and APoT grids; then APoT.
import { readFileSync } from 'node:fs';
import { cifarClasses, cifarTestImages, download, expect, figure, jobEnd, openResnetWith, test } from './fixtures';
import { ortTop1 } from './ort-reference';

const EVAL = 100;

test('SQuant W4A8 with no calibration data: evaluate, download, onnxruntime agrees; the level plot shows both grids', async ({ page }) => {
  const evalImages = cifarTestImages(EVAL);
  const classes = cifarClasses();
  await openResnetWith(page, { eval: evalImages });
  await page.getByLabel('Weight bits', { exact: true }).selectOption('4');
  await page.getByLabel('Activation bits', { exact: true }).selectOption('8');
  await expect(page.getByTestId('config-summary')).toHaveText('W4A8');
  await expect(page.getByTestId('calib-count')).toHaveCount(0); // no calibration images at all

  // APoT weights and SQuant do not mix: the button says so until the grid is uniform again
  await page.getByLabel('Weight levels', { exact: true }).selectOption('apot');
  await expect(page.locator('[data-command="squantDataFree"]')).toBeDisabled();
  await page.getByLabel('Weight levels', { exact: true }).selectOption('uniform');

  const t0 = Date.now();
  await page.locator('[data-command="squantDataFree"]').click();
  expect(await jobEnd(page, 'calib')).toBe('done');
  const seconds = (Date.now() - t0) / 1000;
  const summary = page.getByTestId('data-free-summary');
  await expect(summary).toHaveAttribute('data-rounding', 'squant');
  const squantMs = Number(await summary.getAttribute('data-squant-ms'));
  expect(squantMs).toBeGreaterThan(0);

  // every quantized layer has its SQuant time and weight SQNR in the table
  const table = page.getByTestId('quant-layers');
  await expect(table.locator('[data-col="wSquant"]')).toHaveCount(20);
  await expect(table.locator('[data-col="wSqnr"]')).toHaveCount(20);
  const times = await table.locator('[data-col="wSquant"]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)));
  expect(times.reduce((a, b) => a + b, 0)).toBeCloseTo(squantMs, 3);
  const wsqnr = await table.locator('[data-col="wSqnr"]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)));
  expect(wsqnr.every((x) => x > 5 && x < 60)).toBe(true);

  await page.locator('[data-command="evaluate"]').click();
  expect(await jobEnd(page, 'eval')).toBe('done');
  const float = await figure(page, 'float-top1');
  const quant = await figure(page, 'quant-top1');
  expect(float.total).toBe(EVAL);

  const model = await download(page, 'downloadModel');
  expect(model.name).toBe('resnet20_cifar10_w4a8_squant.onnx');
  const report = JSON.parse(readFileSync((await download(page, 'downloadReport')).path, 'utf8'));
  expect(report.dataFree).toMatchObject({ rounding: 'squant', activationSqnrOn: 'images' });
  expect(report.config).toMatchObject({ wBits: 4, aBits: 8, wObserver: 'minmax' });
  expect(report.layers.filter((l: { squantMs?: number }) => l.squantMs !== undefined)).toHaveLength(20);
  expect(report.evaluation).toMatchObject({ images: EVAL, correctQuant: quant.correct });

  // the level plot: layer1's first conv at 4 bits, 16 uniform and 15 APoT levels, each drawn
  const chart = page.getByTestId('weight-levels-chart');
  await expect(chart).toHaveAttribute('data-uniform', '16');
  await expect(chart).toHaveAttribute('data-apot', '15');
  await expect(chart.locator('.level-uniform')).toHaveCount(16);
  await expect(chart.locator('.level-apot')).toHaveCount(15);
  const bits = Number(await chart.getAttribute('data-weights'));
  expect(bits).toBe(144); // 16 inputs × 3 × 3 of one output channel
  const levels = JSON.parse((await chart.getAttribute('data-levels'))!) as { uniform: number[]; apot: number[] };
  const step = levels.apot[8]; // the smallest positive APoT level is one code: the rest are ±{0,1,2,3,4,6,8,10} of it
  expect(levels.apot.map((a) => Math.round(Math.abs(a) / step))).toEqual([10, 8, 6, 4, 3, 2, 1, 0, 1, 2, 3, 4, 6, 8, 10]);
  await page.getByLabel('Output channel to plot').fill('5');
  await expect(chart).toHaveAttribute('data-channel', '5');
  await page.screenshot({ path: test.info().outputPath('data-free-squant.png'), fullPage: true });

  const ref = await ortTop1(model.path, evalImages, classes);
  console.log(`SQuant W4A8 data-free in the page: ${seconds.toFixed(1)} s in all, ${squantMs.toFixed(1)} ms of SQuant GPU work; float ${float.correct}/${EVAL}, studio ${quant.correct}/${EVAL}, onnxruntime-node ${ref.correct}/${EVAL}`);
  expect(Math.abs(ref.correct - quant.correct)).toBeLessThanOrEqual(1);

  // APoT as the weight grid, data-free with round to nearest: the plot marks APoT in use, the export runs alike in onnxruntime
  await page.getByLabel('Weight levels', { exact: true }).selectOption('apot');
  await page.locator('[data-command="nearestDataFree"]').click();
  expect(await jobEnd(page, 'calib')).toBe('done');
  await expect(page.getByTestId('data-free-summary')).toHaveAttribute('data-rounding', 'nearest');
  await expect(table.locator('[data-col="wSquant"]')).toHaveCount(0);
  await expect(chart).toHaveAttribute('data-current', 'apot');
  await expect(chart.locator('.level-apot')).toHaveCount(15);
  await page.locator('[data-command="evaluate"]').click();
  expect(await jobEnd(page, 'eval')).toBe('done');
  const apot = await figure(page, 'quant-top1');
  const apotModel = await download(page, 'downloadModel');
  expect(apotModel.name).toBe('resnet20_cifar10_w4a8_mse-datafree_apot.onnx');
  const apotRef = await ortTop1(apotModel.path, evalImages, classes);
  console.log(`APoT W4A8 data-free, round to nearest: studio ${apot.correct}/${EVAL}, onnxruntime-node ${apotRef.correct}/${EVAL}`);
  expect(Math.abs(apotRef.correct - apot.correct)).toBeLessThanOrEqual(1);
});
