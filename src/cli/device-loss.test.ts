// GPU device loss survived by `quantize`: a short W2A4 QDrop reconstruction of ResNet-20 whose
// device is destroyed in the middle of block 3 recreates the device, resumes at that block (from the
// --checkpoint file, or from the state kept in memory) and writes the same model, byte for byte, as
// an uninterrupted run with the same seed; a device lost more often than allowed ends with a clear error.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { parseCommand } from './args';
import type { Output } from './eval';
import { runQuantize, type QuantizeHooks } from './quantize';
import type { QuantizeArgs } from './quantize-args';

const tmp = mkdtempSync(join(tmpdir(), 'qs-device-loss-'));

function args(out: string, ...more: string[]): QuantizeArgs {
  const cmd = parseCommand([
    'quantize', '--model', resnet20, '--calib', cifarTrainDir, '--calib-count', '32', '--w', '2', '--a', '4', '--observer', 'minmax',
    '--method', 'qdrop', '--iters', '60', '--recon-batch', '4', '--seed', '7', '--out', join(tmp, out), ...more,
  ]);
  if (cmd.command !== 'quantize') throw new Error('not a quantize command');
  return cmd.args;
}

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(l), result: (l) => lines.push(l) };
}

/** Destroy the device once per listed block, after its first loss window (iteration 50 of 60): mid-block. */
function destroyIn(...blocks: number[]): QuantizeHooks & { destroyed: number } {
  const left = [...blocks];
  const h = {
    destroyed: 0,
    afterLoss: (gpu: { device: GPUDevice }, block: number, itersDone: number) => {
      if (left[0] === block && itersDone === 50) {
        left.shift();
        h.destroyed++;
        gpu.device.destroy();
      }
    },
  };
  return h;
}

describe.skipIf(!!sharedMissing)('quantize survives a lost GPU device', () => {
  let whole: Buffer;

  it('an uninterrupted run (the reference)', async () => {
    await runQuantize(args('whole.onnx'), capture());
    whole = readFileSync(join(tmp, 'whole.onnx'));
  });

  it('with --checkpoint: device destroyed mid-block 3, resumed from the checkpoint, same bytes', async () => {
    const out = capture();
    const hooks = destroyIn(2);
    await runQuantize(args('ck.onnx', '--checkpoint', join(tmp, 'ck')), out, hooks);
    expect(hooks.destroyed).toBe(1);
    const gpuLines = out.lines.filter((l) => l.startsWith('gpu'));
    expect(gpuLines).toHaveLength(1);
    expect(gpuLines[0]).toMatch(/the GPU device was lost \(destroyed.*\) during block 3 \(.+\); recreated it and resumed at block 3 from .*checkpoint\.json \(recovery 1 of 2\)/);
    expect(Buffer.compare(readFileSync(join(tmp, 'ck.onnx')), whole)).toBe(0);
  });

  it('without --checkpoint: resumed from the finished blocks in memory, same bytes', async () => {
    const out = capture();
    const hooks = destroyIn(2, 5);
    await runQuantize(args('mem.onnx'), out, hooks);
    expect(hooks.destroyed).toBe(2);
    const gpuLines = out.lines.filter((l) => l.startsWith('gpu'));
    expect(gpuLines[0]).toMatch(/during block 3 .*; recreated it and resumed at block 3 from the finished blocks kept in memory \(recovery 1 of 2\)/);
    expect(gpuLines[1]).toMatch(/during block 6 .*resumed at block 6 .*\(recovery 2 of 2\)/);
    expect(Buffer.compare(readFileSync(join(tmp, 'mem.onnx')), whole)).toBe(0);

  });

  it('a device lost a third time stops the run with a clear error saying how to continue', async () => {
    const dir = join(tmp, 'ck-stop');
    const stop = runQuantize(args('stop.onnx', '--checkpoint', dir), capture(), destroyIn(1, 1, 1));
    await expect(stop).rejects.toThrow(/^the GPU device was lost \(destroyed.*\) during block 2 \(.+\)\. The device was recreated 2 times in this run already, so it stops here\. The finished blocks are saved in .*ck-stop\/checkpoint\.json: run the same command with --resume to continue at block 2\.$/);
  });
});
