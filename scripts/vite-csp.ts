// The page's Content-Security-Policy: every request stays on our own origin. A Vite plugin puts it
// in index.html as a <meta> tag; the preview server also sends it as a header (workers obey headers).
import type { Plugin } from 'vite';

const policy: Record<string, string[]> = {
  'default-src': ["'self'"],
  // onnxruntime-web compiles WebAssembly; nothing else is evaluated.
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'", 'data:', 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

function render(p: Record<string, string[]>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/** The production policy (built page and preview server). */
export const CSP = render(policy);

/** Dev server only: React refresh's inline preamble, Vite's injected <style> tags and the HMR socket. */
export const CSP_DEV = render({
  ...policy,
  'script-src': [...policy['script-src'], "'unsafe-inline'"],
  'style-src': [...policy['style-src'], "'unsafe-inline'"],
  'connect-src': [...policy['connect-src'], 'ws:'],
});

export function csp(): Plugin {
  let dev = false;
  return {
    name: 'quant-studio-csp',
    configResolved(config) {
      dev = config.command === 'serve' && !config.isProduction;
    },
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: dev ? CSP_DEV : CSP },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}
