// The CLI end to end: bin/quant-studio.mjs (building dist-cli on first use) evaluating ResNet-20
// and MNIST-8 on the GPU, and its answers to bad input; plus argument parsing in-process.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnist8, mnistImages, repoRoot, resnet20, cifarTestDir, sharedMissing } from '../data/test-paths';
import { parseCommand } from './args';

const bin = resolve(repoRoot, 'bin/quant-studio.mjs');
const sessionMissing = existsSync(resolve(repoRoot, 'src/engine/session.ts'))
  ? ''
  : 'src/engine/session.ts does not exist yet, so the CLI cannot be built';

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 280_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An error for users: one `error:` line, no stack trace. */
function expectUserError(r: { code: number | null; stderr: string }, code: number, what: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(/^error: /m);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('argument parsing', () => {
  it('reads eval flags and rejects mistakes with a usage error', () => {
    const cmd = parseCommand(['eval', '--model', bin, '--images', repoRoot, '--batch', '8', '--limit', '5', '--json']);
    expect(cmd).toEqual({
      command: 'eval',
      args: { model: bin, images: repoRoot, preset: undefined, labels: undefined, batch: 8, limit: 5, json: true },
    });
    expect(parseCommand([])).toEqual({ command: 'help', exitCode: 2 });
    expect(parseCommand(['eval', '-h'])).toEqual({ command: 'help', exitCode: 0 });
    expect(() => parseCommand(['eval', '--model', bin, '--images', repoRoot, '--frob'])).toThrow(/Unknown option '--frob'/);
    expect(() => parseCommand(['eval', '--model', 'nope.onnx', '--images', repoRoot])).toThrow(/--model: nope.onnx does not exist/);
    expect(() => parseCommand(['eval', '--model', repoRoot, '--images', repoRoot])).toThrow(/is a folder, not a file/);
    expect(() => parseCommand(['eval', '--model', bin, '--images', repoRoot, '--preset', 'coco'])).toThrow(/--preset must be one of/);
    expect(() => parseCommand(['eval', '--model', bin, '--images', repoRoot, '--limit=-3'])).toThrow(/--limit needs a whole number/);
    expect(() => parseCommand(['quantise'])).toThrow(/unknown command "quantise"/);
  });
});

describe.skipIf(sessionMissing || sharedMissing)(`quant-studio CLI ${sessionMissing || sharedMissing}`, () => {
  beforeAll(() => {
    const r = cli('--help'); // builds dist-cli when needed
    expect(r.code, r.stderr).toBe(0);
  });

  it('prints help', () => {
    const r = cli('--help');
    expect(r.stdout).toMatch(/quant-studio eval --model M.onnx --images DIR/);
  });

  it('evaluates ResNet-20 on 64 CIFAR-10 images and ends with one JSON line', () => {
    const r = cli('eval', '--model', resnet20, '--images', cifarTestDir, '--limit', '64', '--batch', '16', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(['adapter', 'images', 'imagesPerSecond', 'model', 'top1']);
    expect(result.model).toBe('resnet20_cifar10.onnx');
    expect(result.images).toBe(64);
    // onnxruntime gets 59/64 on these images; float32 on the GPU may flip a near-tie
    expect(Math.abs((result.top1 as number) - 59 / 64)).toBeLessThanOrEqual(2 / 64);
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    expect(typeof result.adapter).toBe('string');
    expect(r.stderr).toMatch(/labels: file names/);
  });

  it('evaluates MNIST-8 on the idx test file (fixed batch 1)', () => {
    const r = cli('eval', '--model', mnist8, '--images', mnistImages, '--limit', '100');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/preset\s+mnist/);
    const top1 = Number(/top-1\s+([\d.]+) %/.exec(r.stdout)?.[1]);
    expect(top1).toBeGreaterThanOrEqual(97); // onnxruntime: 99/100
  });

  it('rejects an unknown flag with exit code 2', () => {
    expectUserError(cli('eval', '--model', resnet20, '--images', cifarTestDir, '--fast'), 2, /Unknown option '--fast'/);
  });

  it('says when the model file is missing (exit code 2)', () => {
    expectUserError(cli('eval', '--model', 'no-such-model.onnx', '--images', cifarTestDir), 2, /no-such-model.onnx does not exist/);
  });

  it('rejects a file that is not ONNX with the engine message (exit code 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qs-cli-'));
    writeFileSync(join(dir, 'fake.onnx'), 'this is not a protobuf model\n'.repeat(20));
    expectUserError(cli('eval', '--model', join(dir, 'fake.onnx'), '--images', cifarTestDir), 1, /fake.onnx/);
  });

  it('names the corrupt image in a folder (exit code 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qs-cli-'));
    for (const f of ['0000_cat.png', '0001_ship.png']) copyFileSync(join(cifarTestDir, f), join(dir, f));
    writeFileSync(join(dir, '0002_ship.png'), 'GIF89a not really');
    expectUserError(cli('eval', '--model', resnet20, '--images', dir), 1, /0002_ship.png is not a PNG or JPEG image/);
  });
});
