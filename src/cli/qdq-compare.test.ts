// Studio fake-quant = onnxruntime on the exported QDQ file, quantizer by quantizer (issue 12 item 8):
// ResNet-20, 64 calibration and 200 test images, onnxruntime-node with its default options. Three of
// the six configurations run here (W4A4 MSE, W3A3 MinMax, W2A4 MSE); `quant-studio compare-qdq` runs any.
import { describe, expect, it } from 'vitest';
import { openImageSet } from '../data/image-set-node';
import { cifarTestDir, cifarTrainDir, resnet20, sharedMissing } from '../data/test-paths';
import { exportQdq } from '../quant/export-qdq';
import type { ObserverKind } from '../quant/types';
import { testGpu } from '../test/helpers';
import { calibrateOn, openModel, quantConfig } from './ptq';
import { compareQdq, formatDiffs } from './qdq-compare';
import { parseCommand } from './args';

const CALIB = 64;
const TEST = 200;
const CONFIGS: [number, number, ObserverKind][] = [[4, 4, 'mse'], [3, 3, 'minmax'], [2, 4, 'mse']];

describe.skipIf(sharedMissing)('studio codes = onnxruntime codes on the exported model', () => {
  it.each(CONFIGS)('W%iA%i %s', async (w, a, observer) => {
    const m = await openModel(await testGpu(), resnet20);
    const calib = openImageSet(cifarTrainDir, m.preset, { limit: CALIB });
    const test = openImageSet(cifarTestDir, m.preset, { limit: TEST });
    const { state } = await calibrateOn(m, quantConfig({ wBits: w, aBits: a, observer, calibCount: CALIB }), calib, 64);
    const bytes = exportQdq(m.session.model, m.session.graph, state, { opset: 13 });
    const c = await compareQdq(m, state, bytes, test, { batch: 50 });
    const what = `W${w}A${a} ${observer}`;
    console.log([`${what}: same class ${c.agree}/${c.images}, studio ${c.studioCorrect}, onnxruntime ${c.onnxCorrect}, first differ ${c.firstDiffer}, max |Δlogit| ${c.maxLogitDiff}`, ...formatDiffs(c)].join('\n'));
    expect(c.images).toBe(TEST);
    expect(c.probeEffect, `${what}: exposing the codes changed onnxruntime's logits`).toBe(0);
    expect(c.agree, `${what}: top-1 agreement`).toBeGreaterThanOrEqual(Math.ceil(0.999 * TEST));
    for (const [i, d] of c.diffs.entries()) {
      const own = c.local[i];
      // the kernel's code is QuantizeLinear's on the studio's input, everywhere
      expect(d.kernelVsFormula + own.kernelVsFormula, `${what} ${d.tensor}: kernel vs QuantizeLinear`).toBe(0);
      // from onnxruntime's codes upstream, a code differs only where float rounding decides a near-tie
      expect(own.differ, `${what} ${d.tensor}: codes differing from the same input codes`).toBeLessThanOrEqual(1e-4 * own.elements);
      expect(own.nearBoundary, `${what} ${d.tensor}: differing codes not at a rounding boundary`).toBe(own.differ);
    }
    // end to end, codes start to differ at such a near-tie; everything after it is carried downstream
    const first = c.diffs.findIndex((d) => d.differ > 0);
    if (first >= 0) expect(c.local[first].differ, `${what}: the first quantizer that differs`).toBe(c.diffs[first].differ);
    m.session.dispose();
  }, 600_000);
});

describe.skipIf(sharedMissing)('quant-studio compare-qdq flags', () => {
  it('has defaults, takes the bits and observer, and refuses what it cannot run', () => {
    const base = ['compare-qdq', '--model', resnet20, '--calib', cifarTrainDir, '--images', cifarTestDir];
    expect(parseCommand(base)).toMatchObject({ command: 'compare-qdq', args: { wBits: 4, aBits: 4, observer: 'mse', calibCount: 64, opset: 13, batch: 50, level: 'all', json: false } });
    expect(parseCommand([...base, '--w', '2', '--observer', 'minmax', '--limit', '10', '--json'])).toMatchObject({ args: { wBits: 2, observer: 'minmax', limit: 10, json: true } });
    expect(() => parseCommand([...base, '--w', '9'])).toThrow(/--w must be a whole number from 2 to 8/);
    expect(() => parseCommand([...base, '--ort-level', 'max'])).toThrow(/--ort-level must be one of/);
    expect(() => parseCommand(['compare-qdq', '--model', resnet20])).toThrow(/--calib is required/);
  });
});
