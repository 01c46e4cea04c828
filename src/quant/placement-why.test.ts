// Placement on small graphs: what a quantizer moves back through (spatial ReduceMean and Split yes,
// channel ReduceMean and Resize no), and the reason given for every weighted op left float.
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../graph/ir';
import { DT, makeTensor } from '../onnx/dtype';
import { place } from './placement';
import { DEFAULT_CONFIG } from './types';

const n = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });
const f32 = (name: string, dims: number[]) => makeTensor(name, DT.FLOAT, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0.5));
const graph = (nodes: Node[], inits: ReturnType<typeof f32>[]): Graph => ({
  name: 'g', nodes, inputs: [{ name: 'x', dataType: DT.FLOAT, shape: [1, 4, 8, 8] }], outputs: [{ name: 'y', dataType: DT.FLOAT }],
  initializers: new Map(inits.map((t) => [t.name, t])), valueInfo: [], passthrough: {},
});
const axes = (v: number[]) => ({ axes: { type: 'ints' as const, value: v }, keepdims: { type: 'int' as const, value: 0 } });

describe('placement', () => {
  it('moves quantizers back through spatial ReduceMean and Split, not through channel ReduceMean or Resize', () => {
    const g = graph(
      [
        n('c0', 'Conv', ['x', 'w0'], ['a']),
        n('r0', 'Relu', ['a'], ['ra']),
        n('split', 'Split', ['ra'], ['s1', 's2'], { axis: { type: 'int', value: 1 } }),
        n('c1', 'Conv', ['s1', 'w1'], ['b']),
        n('rb', 'Relu', ['b'], ['rb']),
        n('gap', 'ReduceMean', ['rb'], ['g'], axes([2, 3])),
        n('fc', 'Gemm', ['g', 'wf'], ['y0'], { transB: { type: 'int', value: 1 } }),
        n('cm', 'ReduceMean', ['s2'], ['m'], axes([1])),
        n('up', 'Resize', ['rb', '', 'sc'], ['u']),
        n('c2', 'Conv', ['u', 'w2'], ['y']),
        n('fm', 'MatMul', ['m', 'wm'], ['y1']),
      ],
      [f32('w0', [4, 4, 1, 1]), f32('w1', [4, 2, 1, 1]), f32('wf', [3, 4]), f32('w2', [2, 4, 1, 1]), f32('sc', [4]), f32('wm', [8, 2])],
    );
    const p = place(g, DEFAULT_CONFIG);
    const site = (layer: string) => p.acts.find((a) => a.consumers.includes(layer))?.tensor;
    expect([site('c1'), site('fc'), site('c2'), site('fm')]).toEqual(['ra', 'rb', 'u', 'm']);
    expect(p.float).toEqual([]);
  });

  it('says why each weighted op stays float', () => {
    const g = graph(
      [
        n('dq', 'DequantizeLinear', ['wq', 'ws'], ['wd']),
        n('cq', 'Conv', ['x', 'wd'], ['a']),
        n('ch', 'Conv', ['a', 'wh'], ['b']),
        n('left', 'MatMul', ['wl', 'b'], ['c']),
        n('att', 'MatMul', ['c', 'c'], ['d']),
        n('kept', 'Conv', ['d', 'wk'], ['y']),
      ],
      [makeTensor('wq', DT.INT8, [4, 4, 1, 1], new Array(16).fill(3)), f32('ws', [1]), makeTensor('wh', DT.FLOAT16, [4, 4, 1, 1], new Array(16).fill(0)), f32('wl', [8, 8]), f32('wk', [4, 4, 1, 1])],
    );
    const p = place(g, { ...DEFAULT_CONFIG, overrides: { kept: { float: true } } });
    expect(p.float.map((f) => [f.name, f.reason])).toEqual([
      ['cq', 'its weight "wd" is already quantized in the file (DequantizeLinear)'],
      ['ch', 'its weight "wh" is float16 (only float32 weights are quantized)'],
      ['left', 'the constant is its first input (W·x): only x·W, a weight on the right, is quantized'],
      ['att', 'both its inputs are computed from the input data (activation × activation, as in attention): there is no weight to quantize'],
      ['kept', 'kept in float by a per-layer override'],
    ]);
  });
});
