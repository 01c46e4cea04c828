// Calibration stops with a message naming the layer when the model computes NaN or infinite
// activations (here a Div by a zero weight); before, the NaN range became code 0 everywhere.
import { describe, expect, it } from 'vitest';
import { Session } from '../engine/session';
import { testGpu } from '../test/helpers';
import { attr, encodeModel, floatTensor, values } from '../test/onnx-builder';
import { calibrate } from './calibrate';
import { DEFAULT_CONFIG, type QuantConfig } from './types';

/** x [N, 2, 4, 4] → Div by d (zeros: Inf and NaN) → Conv 1×1 → y. */
function divByZero(): Uint8Array {
  const shape = (dims: (number | string)[]) => ({ dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) });
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'nan',
      node: [
        { opType: 'Div', name: 'div', input: ['x', 'd'], output: ['q'] },
        { opType: 'Conv', name: 'conv', input: ['q', 'w', 'b'], output: ['y'], attribute: [attr.ints('kernel_shape', [1, 1])] },
      ],
      initializer: [floatTensor('d', [1], [0]), floatTensor('w', [3, 2, 1, 1], values(6, 1)), floatTensor('b', [3], values(3, 2))],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: shape(['N', 2, 4, 4]) } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: shape(['N', 3, 4, 4]) } } }],
    },
  });
}

describe('calibration of a model that computes NaN or Inf', () => {
  it.each(['minmax', 'mse'] as const)('stops with a message naming the layer (%s observer)', async (observer) => {
    const session = await Session.load(await testGpu(), divByZero(), 'nan.onnx');
    const config: QuantConfig = { ...DEFAULT_CONFIG, aObserver: observer, wObserver: observer, firstLast8bit: false };
    const batch = { data: values(2 * 2 * 16, 3), shape: [2, 2, 4, 4] };
    await expect(calibrate(session, config, { batches: () => [batch, batch], batchCount: 2 })).rejects.toThrow(/"nan\.onnx": calibration stopped at "q", the output of Div "div".*NaN or infinite.*calibrate again/);
    session.dispose();
  });
});
