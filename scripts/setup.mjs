// Installs what `npm start` / `npm test` need on a fresh machine, and nothing that is there:
// npm dependencies (npm ci, without install scripts: onnxruntime-node's downloads CUDA files),
// and through apt, Chromium (its SwiftShader Vulkan driver gives WebGPU without a GPU) and the
// Vulkan loader that Dawn (the `webgpu` package) needs in Node. Dependency-free on purpose.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => {
  console.log(`setup: ${cmd}`);
  execSync(cmd, { stdio: 'inherit', cwd: root });
};

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`setup: Node ${process.versions.node} is too old; install Node 20 or newer.`);
  process.exit(1);
}

const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules/.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  run('npm ci --ignore-scripts --no-audit --no-fund');
}

const vulkanLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];
const missing = [];
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (!vulkanLoader.some((p) => existsSync(p))) missing.push('libvulkan1');
if (missing.length && process.platform === 'linux') {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  try {
    run(`${sudo}apt-get update -qq`);
    run(`${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`);
  } catch {
    console.error(`setup: could not install ${missing.join(', ')} with apt; install them by hand (Debian/Ubuntu: apt-get install ${missing.join(' ')}).`);
    process.exit(1);
  }
}

// The protobuf code for onnx.proto is generated here, not committed.
const proto = path.join(root, 'src/onnx/proto/onnx.proto');
const gen = path.join(root, 'src/onnx/proto/onnx.js');
const genTypes = path.join(root, 'src/onnx/proto/onnx.d.ts');
if (!existsSync(gen) || !existsSync(genTypes) || statSync(gen).mtimeMs < statSync(proto).mtimeMs) {
  run('node scripts/gen-onnx.mjs');
}
