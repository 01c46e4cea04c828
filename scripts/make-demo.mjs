// Copies the bundled demo (ResNet-20 for CIFAR-10 and the first 300 CIFAR-10 test images) from
// ../shared into public/demo/ and writes public/demo/manifest.json. Run: node scripts/make-demo.mjs
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '../shared');
const out = join(root, 'public/demo');
const COUNT = 300;

const model = 'resnet20_cifar10.onnx';
const testDir = join(shared, 'data/cifar10/test');
const { classes } = JSON.parse(readFileSync(join(shared, 'data/cifar10/labels.json'), 'utf8'));

rmSync(join(out, 'cifar10'), { recursive: true, force: true });
mkdirSync(join(out, 'cifar10'), { recursive: true });
copyFileSync(join(shared, 'models', model), join(out, model));

const images = readdirSync(testDir)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .slice(0, COUNT);
for (const f of images) copyFileSync(join(testDir, f), join(out, 'cifar10', f));

const manifest = {
  name: 'ResNet-20 on CIFAR-10',
  model,
  source: 'weights: akamaster/pytorch_resnet_cifar10 (BSD-2-Clause); images: CIFAR-10 via convnetjs (MIT)',
  classes,
  images: images.map((f) => `cifar10/${f}`),
};
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`public/demo: ${model} + ${images.length} images`);
