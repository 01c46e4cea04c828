// `quant-studio quantize` end to end on ResNet-20 (32 CIFAR-10 calibration images, 100 test
// images): the JSON line, onnxruntime on the written file vs the studio, and bad input.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifarTestDir, cifarTrainDir, repoRoot, resnet20, sharedMissing } from '../data/test-paths';
import { parseCommand } from './args';

const bin = resolve(repoRoot, 'bin/quant-studio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'qs-quantize-'));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 280_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUserError(r: { code: number | null; stderr: string }, code: number, what: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(/^error: /m);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('quantize flags', () => {
  const base = ['quantize', '--model', bin, '--calib', repoRoot, '--out', join(tmp, 'q.onnx')];

  it('reads bits, observer, policy and defaults', () => {
    const cmd = parseCommand([...base, '--w', '4', '--a', '6', '--observer', 'minmax', '--opset', '21', '--per-tensor', '--no-first-last-8bit', '--calib-count', '64']);
    expect(cmd.command).toBe('quantize');
    if (cmd.command !== 'quantize') return;
    expect(cmd.args).toMatchObject({ wBits: 4, aBits: 6, observer: 'minmax', opset: 21, perTensor: true, firstLast8bit: false, calibCount: 64, symmetric: false, json: false });
    const d = parseCommand(base);
    expect(d.command === 'quantize' && d.args).toMatchObject({ wBits: 8, aBits: 8, observer: 'mse', opset: 13, calibCount: 256, firstLast8bit: true });
    expect(parseCommand(['quantize', '--help'])).toEqual({ command: 'help', exitCode: 0 });
  });

  it('activation ranges from the first 256 calibration images unless --act-calib says otherwise', () => {
    const act = (...f: string[]) => {
      const c = parseCommand([...base, ...f]);
      return c.command === 'quantize' ? [c.args.calibCount, c.args.actCalibCount] : null;
    };
    expect(act('--calib-count', '1024')).toEqual([1024, 256]);
    expect(act('--calib-count', '64')).toEqual([64, 64]);
    expect(act('--calib-count', '1024', '--act-calib', 'all')).toEqual([1024, 1024]);
    expect(act('--calib-count', '1024', '--act-calib', '512')).toEqual([1024, 512]);
    expect(act('--calib-count', '100', '--act-calib', '512')).toEqual([100, 100]);
    expect(() => parseCommand([...base, '--act-calib', '0'])).toThrow(/--act-calib/);
    expect(() => parseCommand(['quantize', '--model', bin, '--act-calib', '10', '--out', join(tmp, 'q.onnx')])).toThrow(/--act-calib applies to --calib images/);
  });

  it('rejects bad values with usage errors', () => {
    expect(() => parseCommand([...base, '--w', '9'])).toThrow(/--w must be a whole number from 2 to 8, got "9"/);
    expect(() => parseCommand([...base, '--a', '1'])).toThrow(/--a must be a whole number from 2 to 8/);
    expect(() => parseCommand([...base, '--w', '4.5'])).toThrow(/--w must be a whole number/);
    expect(() => parseCommand([...base, '--observer', 'kl'])).toThrow(/--observer must be one of minmax, mse, percentile, entropy/);
    expect(() => parseCommand([...base, '--opset', '17'])).toThrow(/--opset must be one of 13, 21/);
    expect(() => parseCommand([...base, '--calib-count', '0'])).toThrow(/--calib-count needs a whole number/);
    expect(() => parseCommand([...base, '--eval-count', '10'])).toThrow(/give --eval PATH too/);
    expect(() => parseCommand(['quantize', '--model', bin, '--calib', repoRoot])).toThrow(/--out is required/);
    expect(() => parseCommand(['quantize', '--model', bin, '--calib', repoRoot, '--out', bin])).toThrow(/is the input model/);
    expect(() => parseCommand(['quantize', '--model', bin, '--out', 'q.onnx', '--method', 'qdrop'])).toThrow(/--method qdrop reconstructs on calibration images: give --calib PATH/);
    expect(() => parseCommand(['quantize', '--model', bin, '--calib', join(tmp, 'nope'), '--out', 'q.onnx'])).toThrow(/--calib: .*nope does not exist/);
  });

  it('reads the reconstruction flags with the method defaults', () => {
    const q = parseCommand([...base, '--method', 'qdrop', '--iters', '2000']);
    expect(q.command === 'quantize' && q.args).toMatchObject({ method: 'qdrop', iters: 2000, drop: 0.5, inputDrop: 0.5, seed: 1005, reconBatch: 32 });
    const b = parseCommand([...base, '--method', 'brecq', '--seed', '7']);
    expect(b.command === 'quantize' && b.args).toMatchObject({ method: 'brecq', iters: 20000, drop: 1, inputDrop: 1, seed: 7 });
    const c = parseCommand([...base, '--method', 'qdrop', '--drop', '1', '--input-drop', '0.5']);
    expect(c.command === 'quantize' && c.args).toMatchObject({ drop: 1, inputDrop: 0.5 });
    expect(() => parseCommand([...base, '--method', 'gptq'])).toThrow(/--method must be one of nearest, adaround, brecq, qdrop/);
    expect(() => parseCommand([...base, '--method', 'qdrop', '--drop', '1.5'])).toThrow(/--drop must be a probability in \[0, 1\]/);
    expect(() => parseCommand([...base, '--iters', '100'])).toThrow(/--iters applies to reconstruction; add --method/);
    expect(q.command === 'quantize' && q.args).toMatchObject({ earlyStop: false, cacheMiB: 2048, cachePrecision: 'auto' });
    const e = parseCommand([...base, '--method', 'qdrop', '--early-stop', '--cache-mib', '256', '--cache-precision', 'f16']);
    expect(e.command === 'quantize' && e.args).toMatchObject({ earlyStop: true, cacheMiB: 256, cachePrecision: 'f16' });
    expect(() => parseCommand([...base, '--early-stop'])).toThrow(/--early-stop applies to reconstruction/);
    expect(() => parseCommand([...base, '--method', 'qdrop', '--cache-precision', 'f8'])).toThrow(/--cache-precision must be one of auto, f32, f16/);
    expect(() => parseCommand([...base, '--method', 'qdrop', '--cache-mib', '0'])).toThrow(/--cache-mib needs a whole number/);
  });
});

describe.skipIf(sharedMissing)(`quant-studio quantize ${sharedMissing}`, () => {
  beforeAll(() => {
    const r = cli('--help'); // builds dist-cli when needed
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/quant-studio quantize --model M.onnx --calib DIR/);
  });

  it('quantizes ResNet-20 W8A8 (MinMax), writes the QDQ model and ends with one JSON line', () => {
    const out = join(tmp, 'resnet20.w8a8.onnx');
    const r = cli('quantize', '--model', resnet20, '--calib', cifarTrainDir, '--calib-count', '32', '--w', '8', '--a', '8', '--observer', 'minmax', '--out', out, '--eval', cifarTestDir, '--eval-count', '100', '--batch', '50', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]) as Record<string, number | string | null>;
    expect(j).toMatchObject({ model: 'resnet20_cifar10.onnx', w: 8, a: 8, method: 'nearest', observer: 'minmax', calibImages: 32, evalImages: 100, opset: 13, out });
    for (const k of ['top1Float', 'top1Quant', 'top1Onnx', 'seconds']) expect(typeof j[k], k).toBe('number');
    const [float, quant, onnx] = [j.top1Float, j.top1Quant, j.top1Onnx] as number[];
    expect(Math.abs(onnx - quant)).toBeLessThanOrEqual(1 / 100 + 1e-9);
    expect(Math.abs(quant - float)).toBeLessThanOrEqual(0.02 + 1e-9);
    expect(float).toBeGreaterThan(0.85);
    expect(readFileSync(out).subarray(0, 64).length).toBe(64);
    // progress lines (phase, done/total) and the report go to stderr under --json
    expect(r.stderr).toMatch(/^calibrate\s+\d+\/\d+/m);
    expect(r.stderr).toMatch(/^onnxruntime\s+top-1 .* agrees with the studio on \d+\/100/m);
  });

  it('writes a W4A4 opset-21 model without --eval and reports in text', () => {
    const out = join(tmp, 'sub', 'resnet20.w4a4.onnx');
    const r = cli('quantize', '--model', resnet20, '--calib', cifarTrainDir, '--calib-count', '8', '--w', '4', '--a', '4', '--observer', 'minmax', '--opset', '21', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^quantize\s+W4A4, round to nearest/m);
    expect(r.stdout).toMatch(/^calibration\s+8 images from/m);
    expect(r.stdout).toMatch(/^wrote\s+.*resnet20\.w4a4\.onnx \(QDQ, opset 21, \d+ KiB\)/m);
    expect(r.stdout).toMatch(/int4\/uint4 weights\) run on WASM/);
    expect(existsSync(out)).toBe(true);
  });

  it('reconstructs W2A4 with QDrop (a few iterations), a line per block and the JSON fields', () => {
    const out = join(tmp, 'resnet20.w2a4.qdrop.onnx');
    const r = cli('quantize', '--model', resnet20, '--calib', cifarTrainDir, '--calib-count', '4', '--w', '2', '--a', '4', '--observer', 'minmax', '--method', 'qdrop', '--iters', '2', '--recon-batch', '4', '--seed', '3', '--cache-precision', 'f16', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(j).toMatchObject({ method: 'qdrop', iters: 2, drop: 0.5, inputDrop: 0.5, seed: 3, blocks: 11, w: 2, a: 4 });
    expect(typeof j.reconSeconds).toBe('number');
    expect(r.stderr).toMatch(/^reconstruct\s+qdrop: 2 iterations per block, batch 4, drop p 0.5, input p 0.5, seed 3/m);
    expect(r.stderr.match(/^block\s+\d+\/11 .*: loss .* → .* in .* s \(.* it\/s, f16 caches\)/gm)).toHaveLength(11);
    // the cache plan, before calibration: a line per distinct size, the peak, and in the JSON
    expect(r.stderr).toMatch(/^caches\s+4 images cached per block within 2048\.0 MiB\n(caches\s+\d+\.\d MiB float16( × \d+)?: .*\n)+caches\s+peak \d+\.\d MiB$/m);
    expect(r.stderr.search(/^caches\s+peak/m)).toBeLessThan(r.stderr.search(/^calibrated\s/m));
    const plan = j.cachePlan as { images: number; budgetMiB: number; peakMiB: number; blocks: { name: string; precision: string; mib: number }[] };
    expect(plan).toMatchObject({ images: 4, budgetMiB: 2048 });
    expect(plan.blocks).toHaveLength(11);
    expect(plan.blocks.map((b) => b.precision)).toEqual(new Array(11).fill('f16'));
    expect(plan.peakMiB).toBe(Math.max(...plan.blocks.map((b) => b.mib)));
    expect(existsSync(out)).toBe(true);
  });

  it('says which block does not fit the cache budget, and what to do (exit code 1)', () => {
    const r = cli('quantize', '--model', resnet20, '--calib', cifarTrainDir, '--calib-count', '32', '--w', '2', '--a', '4', '--observer', 'minmax', '--method', 'brecq', '--iters', '2', '--cache-mib', '1', '--out', join(tmp, 'x.onnx'));
    expectUserError(r, 1, /block .*: caching 32 calibration images needs 1\.2 MiB in float16 \(2\.4 MiB in float32\), above the cache budget of 1\.0 MiB\. Use at most 26 images .*--cache-mib/);
    // before calibration (and so before any cache), after the plan
    expect(r.stdout).toMatch(/^caches\s+32 images cached per block within 1\.0 MiB$/m);
    expect(r.stdout).toMatch(/^caches\s+1\.2 MiB does not fit: layer \/conv1\/Conv$/m);
    expect(r.stdout).not.toMatch(/^calibrated/m);
    expect(r.stderr).not.toMatch(/^calibrate\s/m);
  });

  it('rejects --w 9 and a missing calibration folder with exit code 2', () => {
    expectUserError(cli('quantize', '--model', resnet20, '--calib', cifarTrainDir, '--w', '9', '--out', join(tmp, 'x.onnx')), 2, /--w must be a whole number from 2 to 8/);
    expectUserError(cli('quantize', '--model', resnet20, '--calib', join(tmp, 'missing'), '--out', join(tmp, 'x.onnx')), 2, /--calib: .*missing does not exist/);
  });

  it('says when the calibration folder holds no images, or a corrupt one (exit code 1)', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'notes.txt'), 'no images here\n');
    expectUserError(cli('quantize', '--model', resnet20, '--calib', empty, '--out', join(tmp, 'x.onnx')), 1, /empty holds no \.png, \.jpg or \.jpeg images/);
    const bad = join(tmp, 'bad');
    mkdirSync(bad, { recursive: true });
    copyFileSync(join(cifarTestDir, '0000_cat.png'), join(bad, '0000_cat.png'));
    writeFileSync(join(bad, '0001_ship.png'), 'not a png');
    expectUserError(cli('quantize', '--model', resnet20, '--calib', bad, '--observer', 'minmax', '--out', join(tmp, 'y.onnx')), 1, /0001_ship.png is not a PNG or JPEG image/);
    expect(existsSync(join(tmp, 'y.onnx'))).toBe(false);
  });
});
