// Unnamed nodes get unique names at load, so GPU constants keyed by node name cannot collide: two
// unnamed BatchNormalizations with the same channel count once shared one cached scale and shift.
import { describe, expect, it } from 'vitest';
import { Session } from './session';
import { expectClose, testGpu } from '../test/helpers';
import { attr, encodeModel, floatTensor, values } from '../test/onnx-builder';

const C = 4;
const bnParams = (k: number) => [
  floatTensor(`s${k}`, [C], values(C, 10 + k, 0.5).map((v) => 1 + v)),
  floatTensor(`b${k}`, [C], values(C, 20 + k)),
  floatTensor(`m${k}`, [C], values(C, 30 + k, 0.2)),
  floatTensor(`v${k}`, [C], values(C, 40 + k, 0.4).map((v) => 1 + v)),
];

/** x [1, C, 2, 2] → BatchNormalization (unnamed) → BatchNormalization (unnamed, other parameters) → y. */
function twoBatchNorms(): Uint8Array {
  const bn = (k: number, x: string, y: string) => ({ opType: 'BatchNormalization', name: '', input: [x, `s${k}`, `b${k}`, `m${k}`, `v${k}`], output: [y], attribute: [attr.float('epsilon', 1e-5)] });
  const shape = { dim: [1, C, 2, 2].map((d) => ({ dimValue: d })) };
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'bn2',
      node: [bn(1, 'x', 'h'), bn(2, 'h', 'y')],
      initializer: [...bnParams(1), ...bnParams(2)],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape } } }],
    },
  });
}

function batchNormRef(x: Float32Array, k: number): Float32Array {
  const [s, b, m, v] = [10, 20, 30, 40].map((base, i) => (i === 0 || i === 3 ? values(C, base + k, i === 0 ? 0.5 : 0.4).map((t) => 1 + t) : values(C, base + k, i === 2 ? 0.2 : 0.5)));
  return x.map((t, i) => {
    const c = Math.floor(i / 4) % C;
    return ((t - m[c]) / Math.sqrt(v[c] + 1e-5)) * s[c] + b[c];
  });
}

describe('node names', () => {
  it('two unnamed BatchNormalizations with the same channel count keep their own parameters', async () => {
    const session = await Session.load(await testGpu(), twoBatchNorms(), 'two-bn.onnx');
    const x = values(C * 4, 7, 2);
    const out = await session.run({ x: { data: x, shape: [1, C, 2, 2] } });
    expectClose(out.y.data, batchNormRef(batchNormRef(x, 1), 2), { rtol: 1e-5, atol: 1e-5 }, 'BN → BN');
    const names = session.graph.nodes.map((n) => n.name);
    expect(new Set(names).size).toBe(2);
    expect(names.every(Boolean)).toBe(true);
    session.dispose();
  });
});
