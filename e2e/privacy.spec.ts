// Privacy over a whole visit: the demo, then a model and images through the file choosers, a float
// run, calibration, a short QDrop reconstruction, an ablation over p, the download of the model and
// the report, and the check of that file in onnxruntime-web — every request of the page and its
// workers goes to the page's own origin, nothing opens a WebSocket or registers a service worker,
// and the Content-Security-Policy confining it to 'self' is in force (page and worker). Then the
// context goes offline and the studio still works: a float run, a download, the onnxruntime-web
// check, without a single request.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { chooseFilesIn, cifarTestImages, cifarTrainImages, download, expect, jobEnd, loadResnet, openStudio, runAblation, setReconFields, test, waitForRunEnd } from './fixtures';
import { Traffic, onOrigin, resourceEntries, widenResourceTiming } from './visit';

/** The smallest settings the page offers that still run every step (SwiftShader is slow). */
const EVAL = 8;
const CALIB = 2;
const ITERS = 1;
const BATCH = 1;

async function floatRun(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Run float inference' }).click();
  expect(await waitForRunEnd(page)).toBe('done');
  await expect(page.getByTestId('accuracy')).toHaveAttribute('data-labeled', String(EVAL));
}

async function checkInOrt(page: Page): Promise<number> {
  await page.locator('[data-command="verify"]').click();
  expect(await jobEnd(page, 'verify')).toBe('done');
  const ort = page.getByTestId('ort-top1');
  await expect(ort).toHaveAttribute('data-total', String(EVAL));
  return Number(await ort.getAttribute('data-correct'));
}

test('a whole visit, online then offline: every request stays on our origin; the CSP is present and enforced', async ({ page, context, baseURL, consoleErrors }) => {
  test.setTimeout(480_000);
  const origin = new URL(baseURL!).origin;
  const traffic = new Traffic(context, page);
  const t0 = Date.now();
  const step = (name: string) => {
    console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${name}`);
    traffic.step(name);
  };

  step('open');
  const [response] = await Promise.all([page.waitForResponse((r) => r.url() === `${origin}/`), openStudio(page)]);
  expect(page.workers().length).toBeGreaterThan(0); // the engine worker is up
  await widenResourceTiming(page);

  // The demo: model and 300 images from our own origin; its run starts by itself and is cancelled
  // here (on SwiftShader it runs for minutes; a fast GPU may have finished it already).
  step('demo');
  await page.getByRole('button', { name: 'Try the demo' }).click();
  await expect(page.getByTestId('image-count')).toHaveText('300', { timeout: 60_000 });
  await expect(page.getByTestId('run-status')).toHaveText(/^(running|done)$/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel' }).click({ timeout: 5_000 }).catch(() => undefined);
  expect(await waitForRunEnd(page)).toMatch(/^(cancelled|done)$/);

  step('load model');
  await loadResnet(page);
  await chooseFilesIn(page, 'eval-zone', 'Files…', cifarTestImages(EVAL));
  await expect(page.getByTestId('eval-count')).toHaveText(String(EVAL));
  await expect(page.getByTestId('image-count')).toHaveText(String(EVAL));

  step('float run');
  await floatRun(page);

  step('calibrate');
  await chooseFilesIn(page, 'calib-zone', 'Files…', cifarTrainImages(CALIB));
  await expect(page.getByTestId('calib-count')).toHaveText(String(CALIB));
  await page.getByLabel('Weight bits', { exact: true }).selectOption('4');
  await page.getByLabel('Activation bits', { exact: true }).selectOption('4');
  await page.getByLabel('Weight observer', { exact: true }).selectOption('minmax');
  await page.getByLabel('Activation observer', { exact: true }).selectOption('minmax');
  await expect(page.getByTestId('config-summary')).toHaveText('W4A4');
  await page.locator('[data-command="calibrate"]').click();
  expect(await jobEnd(page, 'calib')).toBe('done');

  step('reconstruct');
  await page.getByLabel('Method', { exact: true }).selectOption('qdrop');
  await setReconFields(page, { Iterations: String(ITERS), 'Training batch': String(BATCH), 'Flatness points': '0' });
  await page.locator('[data-command="runRecon"]').click();
  await expect(page.getByTestId('recon-status')).toHaveText(/^(done|cancelled|error|failed)$/, { timeout: 300_000 });
  await expect(page.getByTestId('recon-status')).toHaveText('done');
  await expect(page.getByTestId('eval-status')).toHaveText('done', { timeout: 120_000 }); // evaluated by itself
  await expect(page.getByTestId('recon-runs').locator('tbody tr')).toHaveCount(1);

  step('ablation');
  const ablation = await runAblation(page, '1, 0.5');
  await expect(ablation.locator('tbody tr[data-status="done"]')).toHaveCount(2);
  await expect(page.getByTestId('recon-runs').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('eval-status')).toHaveText('done', { timeout: 120_000 });

  step('export');
  const model = await download(page, 'downloadModel');
  expect(model.name).toBe('resnet20_cifar10_w4a4_minmax_qdrop.onnx');
  const report = JSON.parse(readFileSync((await download(page, 'downloadReport')).path, 'utf8'));
  expect(report.export).toMatchObject({ fileName: model.name });

  step('onnxruntime-web');
  const ortOnline = await checkInOrt(page);

  // What was recorded, online.
  step('check');
  const online = traffic.requests.length;
  expect(traffic.foreign(origin)).toEqual([]);
  expect(traffic.websockets).toEqual([]);
  expect(traffic.serviceWorkers).toEqual([]);
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);
  expect(traffic.failed).toEqual([]);
  // The record is complete: it has the demo's 300 images, the engine worker, and the onnxruntime
  // WASM that the worker itself fetched for the check...
  expect(traffic.in('demo').filter((r) => r.url.includes('/demo/cifar10/')).length).toBe(300);
  expect(traffic.workers.some((u) => /engine-worker.*\.js$/.test(u))).toBe(true);
  expect(traffic.requests.some((r) => /engine-worker.*\.js$/.test(r.url))).toBe(true);
  expect(traffic.in('onnxruntime-web').some((r) => /ort-wasm.*\.wasm$/.test(r.url))).toBe(true);
  // ...and the browser's own account of each realm (page, each worker) holds nothing it lacks.
  const recorded = new Set(traffic.requests.map((r) => r.url));
  const realms = await resourceEntries(page);
  for (const { realm, urls } of realms) {
    const net = urls.filter((u) => /^https?:/.test(u));
    expect(net.filter((u) => !onOrigin(u, origin)), `foreign entries of ${realm}`).toEqual([]);
    expect(net.filter((u) => !recorded.has(u)), `entries of ${realm} the record lacks`).toEqual([]);
  }
  const engine = realms.find((r) => /engine-worker.*\.js$/.test(r.realm));
  expect(engine?.urls.some((u) => /ort-wasm.*\.wasm$/.test(u))).toBe(true); // the worker fetched it, and it is in the record
  const perStep = [...new Set(traffic.requests.map((r) => r.step))].map((s) => `${s} ${traffic.in(s).length}`);
  console.log(`online: ${online} requests, all on ${origin} (${perStep.join(', ')}; by Resource Timing ${realms.map((r) => `${r.realm.replace(origin, '')} ${r.urls.length}`).join(', ')})`);

  // The policy: in the page (meta), in the document's and the worker script's response headers.
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const workerScript = [...traffic.policies.keys()].find((u) => /engine-worker.*\.js$/.test(u));
  expect(workerScript).toBeDefined();
  for (const csp of [meta, response.headers()['content-security-policy'], traffic.policies.get(workerScript!)]) {
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' data: blob:");
    expect(csp).not.toContain('unsafe-inline');
  }
  // ...and it is enforced: a request to another origin is refused before it leaves.
  const blocked = await page.evaluate(async () => {
    const violation = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }));
    const fetched = await fetch('https://example.com/track').then(
      () => 'sent',
      () => 'refused',
    );
    return { fetched, directive: await violation };
  });
  expect(blocked).toEqual({ fetched: 'refused', directive: 'connect-src' });
  expect(traffic.requests.some((r) => r.url.includes('example.com'))).toBe(false);
  // The refusal is reported on the console as it should be; that one error is expected here.
  expect(consoleErrors.filter((e) => e.includes('example.com')).length).toBeGreaterThan(0);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes('example.com')));

  // Offline: the studio needs nothing more from the server.
  await context.setOffline(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  step('offline: float run');
  await floatRun(page);
  step('offline: export');
  const bytes = readFileSync(model.path); // the next download saves over it
  const again = await download(page, 'downloadModel');
  expect(again.name).toBe(model.name);
  expect(readFileSync(again.path).equals(bytes)).toBe(true);
  step('offline: onnxruntime-web');
  expect(await checkInOrt(page)).toBe(ortOnline);
  step('end');
  const offline = traffic.requests.slice(online).filter((r) => /^(https?|wss?):/.test(r.url));
  expect(offline).toEqual([]);
  expect(traffic.failed).toEqual([]);
  expect(traffic.foreign(origin)).toEqual([]);
  await context.setOffline(false);
});
