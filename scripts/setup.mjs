// Installs what `npm start` / `npm test` need on a fresh machine, and nothing that is there:
// npm dependencies (npm ci, without install scripts: onnxruntime-node's downloads CUDA files),
// and through apt, Chromium (its SwiftShader Vulkan driver gives WebGPU without a GPU) and the
// Vulkan loader that Dawn (the `webgpu` package) needs in Node. Dependency-free on purpose.
import { execSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

// Mesa 25 lavapipe (Vulkan on the CPU through LLVM) runs our kernels 2-4x faster than SwiftShader,
// but Debian bookworm's own lavapipe (Mesa 22) is too old for Dawn. The backports build is fetched
// with apt into a project-local folder (.lavapipe/, git-ignored), using a private apt sources list so
// the system's apt configuration is untouched, and unpacked there; nothing is installed system-wide
// except LLVM 15's runtime library when missing. Optional: on any failure the Node engine keeps
// using SwiftShader (src/gpu/vulkan-icd.ts chooses). QUANT_STUDIO_NO_LAVAPIPE=1 skips this step.
if (process.platform === 'linux' && process.arch === 'x64' && !process.env.QUANT_STUDIO_NO_LAVAPIPE) {
  const dir = path.join(root, '.lavapipe');
  const lib = path.join(dir, 'libvulkan_lvp.so');
  const icd = path.join(dir, 'lvp_icd.json');
  if (!existsSync(lib) || !existsSync(icd)) {
    try {
      const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
      if (!existsSync('/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1')) run(`${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libllvm15`);
      const apt = path.join(dir, 'apt');
      mkdirSync(path.join(apt, 'lists/partial'), { recursive: true });
      mkdirSync(path.join(apt, 'archives/partial'), { recursive: true });
      writeFileSync(path.join(apt, 'sources.list'), 'deb http://deb.debian.org/debian bookworm-backports main\n');
      const opts = [
        `-o Dir::Etc::SourceList=${apt}/sources.list`,
        '-o Dir::Etc::SourceParts=-',
        `-o Dir::State::Lists=${apt}/lists`,
        `-o Dir::Cache::Archives=${apt}/archives`,
        '-o APT::Sandbox::User=root',
        '-qq',
      ].join(' ');
      run(`apt-get ${opts} update`);
      execSync(`apt-get ${opts} download mesa-vulkan-drivers/bookworm-backports`, { cwd: apt, stdio: 'inherit' });
      const deb = readdirSync(apt).find((f) => f.startsWith('mesa-vulkan-drivers_') && f.endsWith('.deb'));
      if (!deb) throw new Error('no mesa-vulkan-drivers package was downloaded');
      const unpacked = path.join(apt, 'root');
      run(`dpkg-deb -x ${path.join(apt, deb)} ${unpacked}`);
      copyFileSync(path.join(unpacked, 'usr/lib/x86_64-linux-gnu/libvulkan_lvp.so'), lib);
      // A relative library_path is resolved against the manifest's own folder by the Vulkan loader.
      writeFileSync(icd, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: './libvulkan_lvp.so', api_version: '1.3.0' } }) + '\n');
      rmSync(apt, { recursive: true, force: true });
      console.log(`setup: lavapipe (Mesa 25, ${deb}) in .lavapipe/`);
    } catch (e) {
      console.error(`setup: lavapipe could not be set up (${String(e?.message ?? e).split('\n')[0]}); the Node engine uses SwiftShader.`);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
