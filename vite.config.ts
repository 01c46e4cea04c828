import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { csp, CSP } from './scripts/vite-csp.ts';

// Cross-origin isolation lets onnxruntime-web use threads; the CSP (scripts/vite-csp.ts: a meta tag
// in index.html, and a header from the preview server) keeps every request on our own origin.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), csp()],
  server: { headers: isolation, port: 5173 },
  preview: { headers: { ...isolation, 'Content-Security-Policy': CSP }, port: 4173 },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['src/test/setup.ts'],
  },
});
