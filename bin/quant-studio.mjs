#!/usr/bin/env node
// The quant-studio command: builds dist-cli/main.mjs with Vite (vite.cli.config.ts) when it is
// missing or older than the sources, then runs it. Builds go to a private folder and are renamed
// into place, so concurrent runs never see a half-written bundle.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist-cli');
const entry = join(outDir, 'main.mjs');
const INPUTS = ['src', 'shaders', 'vite.cli.config.ts', 'package.json'];

// The ONNX protobuf code is generated from src/onnx/proto/onnx.proto, not committed.
if (!existsSync(join(root, 'src/onnx/proto/onnx.js'))) {
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [join(root, 'scripts/gen-onnx.mjs')], { stdio: 'inherit' });
}

/** Newest modification time (ms) of the CLI's sources; tests and UI files do not count. */
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name.startsWith('.') || /\.test\.tsx?$/.test(name) || name.endsWith('.tsx')) continue;
        visit(join(p, name));
      }
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of INPUTS) visit(join(root, p));
  return newest;
}

async function build() {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    process.stderr.write('error: building the CLI needs Vite; run "npm install" in ' + root + '\n');
    process.exit(2);
  }
  const tmp = join(outDir, `.build-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  process.stderr.write('quant-studio: building dist-cli/main.mjs (sources changed) ...\n');
  let failure;
  try {
    await vite.build({
      root,
      configFile: join(root, 'vite.cli.config.ts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    for (const f of ['main.mjs.map', 'main.mjs']) {
      if (existsSync(join(tmp, f))) renameSync(join(tmp, f), join(outDir, f));
    }
  } catch (e) {
    failure = e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (failure) {
    process.stderr.write(`error: building the CLI failed: ${failure?.message ?? failure}\n`);
    process.exit(1);
  }
}

if (process.env.QUANT_STUDIO_REBUILD || !existsSync(entry) || statSync(entry).mtimeMs < newestSource()) await build();
await import(pathToFileURL(entry).href);
