// Vite build of the headless CLI (src/cli/main.ts) for Node: one ES module, dist-cli/main.mjs,
// with node_modules left external. Vite is needed because shaders load via import.meta.glob.
import { defineConfig } from 'vite';

export default defineConfig({
  // No public/ copy and no index.html: this is a Node library build.
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      output: {
        format: 'es',
        entryFileNames: 'main.mjs',
        // One file, so bin/quant-studio.mjs can swap a fresh build in with one rename.
        codeSplitting: false,
      },
    },
  },
  ssr: { target: 'node' },
});
