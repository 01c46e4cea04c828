// Privacy: during a full demo run every request the page (and its worker) makes goes to the
// page's own origin, and a Content-Security-Policy confining it to 'self' is in force.
import { expect, openStudio, test, waitForRunEnd } from './fixtures';

test('every request stays on our origin; the CSP is present and enforced', async ({ page, context, baseURL, consoleErrors }) => {
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const response = await page.goto('/');
  await openStudio(page);

  await page.getByRole('button', { name: 'Try the demo' }).click();
  await expect(page.getByTestId('image-count')).toHaveText('300', { timeout: 60_000 });
  expect(await waitForRunEnd(page, 280_000)).toBe('done');

  const origin = new URL(baseURL!).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('blob:' + origin) && !u.startsWith('data:'));
  expect(foreign).toEqual([]);
  expect(requests.filter((u) => u.includes('/demo/cifar10/')).length).toBe(300);
  expect(requests.some((u) => /engine-worker.*\.js$/.test(u))).toBe(true); // the worker is recorded too

  // The policy: in the page (meta) and in the response headers.
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const csp of [meta, response!.headers()['content-security-policy']]) {
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
  expect(requests.some((u) => u.includes('example.com'))).toBe(false);
  // The refusal is reported on the console as it should be; that one error is expected here.
  const expected = consoleErrors.filter((e) => e.includes('example.com'));
  expect(expected.length).toBeGreaterThan(0);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes('example.com')));
});
