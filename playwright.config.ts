// Playwright e2e: the built page (vite build && vite preview) in Debian's Chromium with WebGPU on
// SwiftShader (see ../shared/WEBGPU-HERE.md). Run one spec at a time: npx playwright test e2e/<spec>.
import { defineConfig } from '@playwright/test';

// E2E_PORT lets several checkouts or sessions run specs at once: each builds into its own folder.
const PORT = Number(process.env.E2E_PORT ?? 4173);
const OUT = process.env.E2E_PORT ? ` --outDir .e2e-dist/${PORT}` : '';

export default defineConfig({
  testDir: 'e2e',
  outputDir: process.env.E2E_PORT ? `test-results/e2e-${PORT}` : 'test-results',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `npx vite build${OUT} && npx vite preview${OUT} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    // Always a fresh build: a preview left running from older sources would test stale code.
    reuseExistingServer: false,
    timeout: 180_000,
  },
});
