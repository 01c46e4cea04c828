// Quantizing ResNet-20 the way a person does: model, calibration and evaluation images through the
// file choosers, calibrate W8A8 and W4A4, evaluate, download; onnxruntime on each file agrees.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { chooseFilesIn, cifarClasses, cifarTestImages, cifarTrainImages, download, expect, figure, jobEnd, openResnetWith, openStudio, test } from './fixtures';
import { ortTop1 } from './ort-reference';

const CALIB = 64;
const EVAL = 100;

interface Setup {
  w: number;
  a: number;
  observer: 'minmax' | 'mse';
  opset: 13 | 21;
  file: string;
}

const SETUPS: Setup[] = [
  { w: 8, a: 8, observer: 'minmax', opset: 13, file: 'resnet20_cifar10_w8a8_minmax.onnx' },
  { w: 4, a: 4, observer: 'mse', opset: 21, file: 'resnet20_cifar10_w4a4_mse_opset21.onnx' },
];

/** The largest gap between 16 ms timer ticks on the page's thread over `ms`. */
function worstTimerGap(page: Page, ms: number): Promise<number> {
  return page.evaluate(
    (ms) =>
      new Promise<number>((resolve) => {
        let last = performance.now();
        let worst = 0;
        const id = setInterval(() => {
          const t = performance.now();
          worst = Math.max(worst, t - last);
          last = t;
        }, 16);
        setTimeout(() => (clearInterval(id), resolve(worst)), ms);
      }),
    ms,
  );
}

async function configure(page: Page, s: Setup): Promise<void> {
  await page.getByLabel('Weight bits', { exact: true }).selectOption(String(s.w));
  await page.getByLabel('Activation bits', { exact: true }).selectOption(String(s.a));
  await page.getByLabel('Weight observer', { exact: true }).selectOption(s.observer);
  await page.getByLabel('Activation observer', { exact: true }).selectOption(s.observer);
  await expect(page.getByTestId('config-summary')).toHaveText(`W${s.w}A${s.a}`);
}

test('quantize ResNet-20 W8A8 and W4A4: calibrate, evaluate, download; onnxruntime gives the page’s accuracy', async ({ page }) => {
  const evalImages = cifarTestImages(EVAL);
  const classes = cifarClasses();
  await openResnetWith(page, { calib: cifarTrainImages(CALIB), eval: evalImages });
  await expect(page.getByTestId('quant-layers').locator('tbody tr')).toHaveCount(20); // 19 Conv + 1 Gemm

  for (const s of SETUPS) {
    await configure(page, s);
    await page.locator('[data-command="calibrate"]').click();
    await expect(page.getByTestId('calib-progress')).toContainText('ETA');
    const gap = await worstTimerGap(page, 1000);
    expect(await jobEnd(page, 'calib')).toBe('done');
    console.log(`W${s.w}A${s.a} ${s.observer}: worst main-thread timer gap while calibrating ${gap.toFixed(0)} ms`);
    expect(gap).toBeLessThan(500);

    // The per-layer table: weights of every layer, inputs of every layer but the first; sortable.
    const table = page.getByTestId('quant-layers');
    await expect(table.locator('[data-col="wSqnr"]')).toHaveCount(20);
    await expect(table.locator('[data-col="aSqnr"]')).toHaveCount(19);
    await table.locator('[data-sort="aSqnr"]').click();
    const sqnr = await table.locator('[data-col="aSqnr"]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)));
    expect(sqnr).toEqual([...sqnr].sort((x, y) => x - y));
    await table.locator('[data-sort="index"]').click();

    await page.locator('[data-command="evaluate"]').click();
    expect(await jobEnd(page, 'eval')).toBe('done');
    const float = await figure(page, 'float-top1');
    const quant = await figure(page, 'quant-top1');
    const agree = await figure(page, 'agreement');
    expect(float.total).toBe(EVAL);
    expect(agree.total).toBe(EVAL);

    await page.getByText(s.opset === 21 ? 'Opset 21 · int4 weights' : 'Opset 13 · int8/uint8').click();
    await expect(page.getByTestId('webgpu-fallbacks')).toContainText('QuantizeLinear');
    const model = await download(page, 'downloadModel');
    expect(model.name).toBe(s.file);
    const report = await download(page, 'downloadReport');
    const json = JSON.parse(readFileSync(report.path, 'utf8'));
    expect(json.config).toMatchObject({ wBits: s.w, aBits: s.a, wObserver: s.observer, aObserver: s.observer });
    expect(json.layers).toHaveLength(20);
    expect(json.evaluation).toMatchObject({ images: EVAL, correctFloat: float.correct, correctQuant: quant.correct });
    expect(json.export).toMatchObject({ fileName: s.file, opset: s.opset });
    expect(json.adapter?.name).toBeTruthy();

    // The page's own check: the downloaded bytes in onnxruntime-web (WASM).
    await page.locator('[data-command="verify"]').click();
    expect(await jobEnd(page, 'verify')).toBe('done');
    const web = await figure(page, 'ort-top1');

    await page.screenshot({ path: test.info().outputPath(`quantize-w${s.w}a${s.a}.png`), fullPage: true });
    const ref = await ortTop1(model.path, evalImages, classes);
    // Image by image (the results grid carries the quantized top-1): where do they differ?
    const cells = new Map(
      await page.getByTestId('results').locator('li').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.name!, Number((e as HTMLElement).dataset.quant)] as const)),
    );
    const differ = evalImages.map((p, i) => [basename(p), cells.get(basename(p)), ref.top1[i]] as const).filter(([, ours, theirs]) => ours !== theirs);
    if (differ.length) console.log(`  studio ≠ onnxruntime on ${differ.length} image(s): ${differ.map(([n, ours, theirs]) => `${n} (${ours} vs ${theirs})`).join(', ')}`);
    console.log(`W${s.w}A${s.a} ${s.observer} opset ${s.opset}: float ${float.correct}/${EVAL}, studio ${quant.correct}/${EVAL}, agreement ${agree.correct}/${EVAL}, onnxruntime-web ${web.correct}/${EVAL}, onnxruntime-node ${ref.correct}/${EVAL}`);
    expect(Math.abs(ref.correct - quant.correct)).toBeLessThanOrEqual(1);
    expect(Math.abs(web.correct - quant.correct)).toBeLessThanOrEqual(1);
  }
});

test('calibration images from a .zip and from a folder; the evaluation zone takes its own drops', async ({ page }) => {
  const train = cifarTrainImages(24);
  const zip = test.info().outputPath('calib.zip');
  writeFileSync(zip, zipSync(Object.fromEntries(train.slice(0, 16).map((p) => [`calib/${basename(p)}`, readFileSync(p)]))));
  const folder = test.info().outputPath('calib-folder');
  mkdirSync(folder, { recursive: true });
  for (const p of train.slice(16)) writeFileSync(join(folder, basename(p)), readFileSync(p));

  await openStudio(page);
  await chooseFilesIn(page, 'calib-zone', '.zip…', [zip]);
  await expect(page.getByTestId('calib-count')).toHaveText('16');
  await chooseFilesIn(page, 'calib-zone', 'Folder…', [folder]);
  await expect(page.getByTestId('calib-count')).toHaveText('8');

  // Images dropped on the evaluation zone become the evaluation set, labelled by their names.
  const files = cifarTestImages(3).map((p) => ({ name: basename(p), b64: readFileSync(p).toString('base64') }));
  const dt = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'image/png' }));
    return dt;
  }, files);
  await page.getByTestId('eval-zone').dispatchEvent('drop', { dataTransfer: dt });
  await expect(page.getByTestId('eval-count')).toHaveText('3');
  await expect(page.getByTestId('eval-zone')).toContainText('labelled by file names');
  await expect(page.getByTestId('calib-count')).toHaveText('8');
});
