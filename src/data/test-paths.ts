// Paths for the data and CLI tests: the repo root and the shared datasets/models beside it
// (../shared from the repo root, as in CI).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const sharedDir = resolve(repoRoot, '../shared');
export const cifarTestDir = resolve(sharedDir, 'data/cifar10/test');
export const cifarTrainDir = resolve(sharedDir, 'data/cifar10/train');
export const cifarLabelsJson = resolve(sharedDir, 'data/cifar10/labels.json');
export const mnistImages = resolve(sharedDir, 'data/mnist/t10k-images-idx3-ubyte.gz');
export const mnistLabels = resolve(sharedDir, 'data/mnist/t10k-labels-idx1-ubyte.gz');
export const resnet20 = resolve(sharedDir, 'models/resnet20_cifar10.onnx');
export const mnist8 = resolve(sharedDir, 'models/mnist-8.onnx');

/** Why shared data is unusable here (for describe.skipIf reasons), or '' when it is present. */
export const sharedMissing = existsSync(cifarTestDir) ? '' : `shared data not found at ${sharedDir}`;
