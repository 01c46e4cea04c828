// Resumable reconstruction through the real CLI: a run killed mid-block (SIGKILL) and resumed from
// its checkpoint writes the same model, byte for byte, as an uninterrupted run with the same seed;
// a checkpoint made for another model file or other settings is refused with a clear message.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cifarTrainDir, repoRoot, resnet20, sharedMissing } from '../data/test-paths';
import { checkpointPath } from './checkpoint';

const bin = resolve(repoRoot, 'bin/quant-studio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'qs-checkpoint-'));
const run = (model: string, out: string, dir: string, ...more: string[]) => [
  bin, 'quantize', '--model', model, '--calib', cifarTrainDir, '--calib-count', '8', '--w', '2', '--a', '4', '--observer', 'minmax',
  '--method', 'qdrop', '--iters', '40', '--recon-batch', '4', '--seed', '11', '--out', out, '--checkpoint', dir, ...more,
];
function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 280_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const nextBlock = (dir: string): number => {
  try {
    return (JSON.parse(readFileSync(checkpointPath(dir), 'utf8')) as { nextBlock: number }).nextBlock;
  } catch {
    return 0; // absent, or (never: the write is atomic) half-written
  }
};

describe.skipIf(!!sharedMissing)('quantize --checkpoint / --resume', () => {
  it('a run killed mid-block resumes to the same model as an uninterrupted run', async () => {
    const whole = cli(run(resnet20, join(tmp, 'whole.onnx'), join(tmp, 'ck-whole')));
    expect(whole.code, whole.stderr).toBe(0);
    expect(nextBlock(join(tmp, 'ck-whole'))).toBe(11);

    const dir = join(tmp, 'ck-killed');
    const child = spawn(process.execPath, run(resnet20, join(tmp, 'resumed.onnx'), dir), { cwd: repoRoot, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const t0 = Date.now();
    while (nextBlock(dir) < 3 && Date.now() - t0 < 240_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    const done = nextBlock(dir);
    expect(done, 'killed before the run finished').toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(11);
    expect(existsSync(join(tmp, 'resumed.onnx'))).toBe(false);

    const again = cli(run(resnet20, join(tmp, 'resumed.onnx'), dir));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a checkpoint; add --resume/);
    const resumed = cli(run(resnet20, join(tmp, 'resumed.onnx'), dir, '--resume'));
    expect(resumed.code, resumed.stderr).toBe(0);
    // without --json the report lines go to stdout, progress to stderr
    expect(resumed.stdout).toMatch(new RegExp(`^resume\\s+.*: ${done} of 11 blocks done .*calibration and finished blocks taken from it`, 'm'));
    expect(resumed.stdout).toMatch(/^calibrated\s+.* from the checkpoint/m);
    expect(Buffer.compare(readFileSync(join(tmp, 'resumed.onnx')), readFileSync(join(tmp, 'whole.onnx')))).toBe(0);
  });

  it('refuses a checkpoint of another model file or other settings, and --resume without --checkpoint', () => {
    // the same network with one weight's lowest mantissa bit flipped: another file, same shapes
    const bytes = readFileSync(resnet20);
    bytes[Math.floor(bytes.length / 2) & ~3] ^= 1;
    const other = join(tmp, 'resnet20-other.onnx');
    writeFileSync(other, bytes);
    const dir = join(tmp, 'ck-whole');
    const m = cli(run(other, join(tmp, 'x.onnx'), dir, '--resume'));
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/checkpoint\.json belongs to another run: it was made for another model file \(.*resnet20_cifar10\.onnx, sha256 [0-9a-f]{12}…; this is .*resnet20-other\.onnx/);
    expect(m.stderr).not.toMatch(/^\s+at /m);
    const s = cli([...run(resnet20, join(tmp, 'x.onnx'), dir, '--resume'), '--drop', '1']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/its reconstruction settings differ \(drop: 0\.5 then, 1 now\)/);
    const c = cli(run(resnet20, join(tmp, 'x.onnx'), dir, '--resume').map((a, i, all) => (all[i - 1] === '--calib-count' ? '16' : a)));
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/its calibration images differ \(8 images then, 16 now/);
    const u = cli([bin, 'quantize', '--model', resnet20, '--calib', cifarTrainDir, '--method', 'qdrop', '--out', join(tmp, 'y.onnx'), '--resume']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--resume continues the run saved in a --checkpoint folder; give --checkpoint DIR too/);
  });
});
