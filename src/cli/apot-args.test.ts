// `quantize --w-levels uniform|apot`: parsing, defaults, the usage errors, and the QuantConfig it
// makes (wLevels absent for uniform, so configurations and checkpoints made before it keep their identity).
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../data/test-paths';
import { parseCommand } from './args';
import { quantConfig } from './ptq';

const bin = resolve(repoRoot, 'bin/quant-studio.mjs');
const base = ['quantize', '--model', bin, '--calib', repoRoot, '--out', join(repoRoot, 'never-written.onnx')];
const args = (...extra: string[]) => {
  const c = parseCommand([...base, ...extra]);
  if (c.command !== 'quantize') throw new Error(`not a quantize command: ${c.command}`);
  return c.args;
};

describe('quantize --w-levels', () => {
  it('defaults to uniform and reads apot with any observer and reconstruction method', () => {
    expect(args().wLevels).toBe('uniform');
    expect(args('--w-levels', 'apot', '--w', '4').wLevels).toBe('apot');
    for (const observer of ['minmax', 'mse', 'percentile', 'entropy']) {
      for (const method of ['nearest', 'adaround', 'brecq', 'qdrop']) {
        expect(args('--w-levels', 'apot', '--w', '3', '--observer', observer, '--method', method)).toMatchObject({ wLevels: 'apot', observer, method });
      }
    }
    expect(args('--w-levels', 'apot', '--w', '7', '--opset', '21').opset).toBe(21);
  });

  it('rejects bad values and 7-bit APoT at opset 13', () => {
    expect(() => args('--w-levels', 'pot')).toThrow(/--w-levels must be one of uniform, apot/);
    expect(() => args('--w-levels', 'apot', '--w', '7')).toThrow(/7-bit APoT .* --opset 21/);
  });

  it('sets QuantConfig.wLevels only for apot', () => {
    const uniform = quantConfig({ ...args('--w', '4'), calibCount: 32 });
    expect('wLevels' in uniform).toBe(false);
    expect(quantConfig({ ...args('--w', '4', '--w-levels', 'apot'), calibCount: 32 }).wLevels).toBe('apot');
  });
});
