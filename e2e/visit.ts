// Everything a visit sends over the network, step by step: every request of the context (its pages
// and their dedicated workers: Chromium reports a worker's fetches and imports on the context, with
// its page's frame — resourceEntries() tells which realm fetched what), every
// WebSocket, every service worker, every request that failed, and the Content-Security-Policy each
// document and worker script came with. Used by privacy.spec.ts to show a whole visit stays on the
// page's own origin, online and offline.
import type { BrowserContext, Page } from '@playwright/test';

export interface Sent {
  url: string;
  method: string;
  /** resourceType() as Playwright reports it: document, script, fetch, … */
  type: string;
  /** Sent by a service worker (there should be none). */
  serviceWorker: boolean;
  /** The step of the visit it was sent in (Traffic.step). */
  step: string;
}

/** Is a URL on `origin`? data: URLs never reach the network; blob: URLs carry their creator's origin. */
export function onOrigin(url: string, origin: string): boolean {
  if (url.startsWith('data:')) return true;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

export class Traffic {
  readonly requests: Sent[] = [];
  readonly failed: { url: string; error: string; step: string }[] = [];
  readonly websockets: string[] = [];
  readonly serviceWorkers: string[] = [];
  readonly workers: string[] = [];
  /** Content-Security-Policy header of each document and worker script, by URL. */
  readonly policies = new Map<string, string | undefined>();
  private current = 'start';

  constructor(context: BrowserContext, page: Page) {
    context.on('request', (r) => this.requests.push({ url: r.url(), method: r.method(), type: r.resourceType(), serviceWorker: r.serviceWorker() !== null, step: this.current }));
    context.on('requestfailed', (r) => this.failed.push({ url: r.url(), error: r.failure()?.errorText ?? '', step: this.current }));
    context.on('response', (r) => {
      const t = r.request().resourceType();
      if (t === 'document' || /worker/i.test(r.url())) this.policies.set(r.url(), r.headers()['content-security-policy']);
    });
    context.on('serviceworker', (w) => this.serviceWorkers.push(w.url()));
    context.on('page', (p) => p.on('websocket', (ws) => this.websockets.push(ws.url())));
    page.on('websocket', (ws) => this.websockets.push(ws.url()));
    page.on('worker', (w) => this.workers.push(w.url()));
  }

  /** Label the requests that follow with this step. */
  step(name: string): void {
    this.current = name;
  }

  /** Requests (with their step) that left the origin. */
  foreign(origin: string): string[] {
    return this.requests.filter((r) => !onOrigin(r.url, origin)).map((r) => `${r.step}: ${r.type} ${r.method} ${r.url}`);
  }

  /** Requests sent in a step. */
  in(step: string): Sent[] {
    return this.requests.filter((r) => r.step === step);
  }
}

/**
 * The resources the page and each of its workers fetched, by their own account (Resource Timing,
 * read inside each realm): a second record, kept by the browser, to hold the first one against.
 */
export async function resourceEntries(page: Page): Promise<{ realm: string; urls: string[] }[]> {
  const read = () => performance.getEntriesByType('resource').map((e) => e.name);
  const out = [{ realm: 'page', urls: await page.evaluate(read) }];
  for (const w of page.workers()) out.push({ realm: w.url(), urls: await w.evaluate(read) });
  return out;
}

/** Room for every Resource Timing entry (the default buffer keeps 250) in the page and its workers so far. */
export async function widenResourceTiming(page: Page): Promise<void> {
  const widen = () => performance.setResourceTimingBufferSize(100_000);
  await page.evaluate(widen);
  for (const w of page.workers()) await w.evaluate(widen);
}
