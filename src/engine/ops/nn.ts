// Neural-network ops: Conv (+ fused Relu/Clip), Gemm, MatMul, pooling, Softmax, Dropout (inference).
// Normalization ops (BatchNormalization among them) are in norm.ts.
import { conv2d, type ConvActivation, type ConvParams } from '../../gpu/kernels/conv2d';
import { gemm, type GemmParams } from '../../gpu/kernels/gemm';
import { concat } from '../../gpu/kernels/concat';
import { matmul } from '../../gpu/kernels/matmul';
import { pool, globalPool } from '../../gpu/kernels/pool';
import { softmax } from '../../gpu/kernels/softmax';
import { poolOutputShape, resolveAutoPad } from '../../ref/pool';
import { broadcastShape } from '../../ref/binary';
import type { GpuTensor } from '../../gpu/gpu';
import { DT } from '../../onnx/dtype';
import { normAxis, size, type LowerCtx, type OpCtx, type OpDef } from './op';

/** Window geometry shared by Conv and pooling: kernel, strides, dilations and resolved pads. */
function windowOf(c: OpCtx, kernel: number[]) {
  const x = c.in(0).shape;
  const r = kernel.length;
  if (x.length !== r + 2) c.fail(`input of rank ${x.length} does not match a ${r}-D kernel`);
  const strides = c.ints('strides') ?? kernel.map(() => 1);
  const dilations = c.ints('dilations') ?? kernel.map(() => 1);
  const pads = resolveAutoPad(c.string('auto_pad', 'NOTSET'), x.slice(2), kernel, strides, dilations, c.ints('pads'));
  return { kernel, strides, dilations, pads };
}

function convWindow(c: OpCtx) {
  const w = c.in(1).shape;
  return windowOf(c, c.ints('kernel_shape') ?? w.slice(2));
}

/**
 * A 1-D or 2-D Conv node as the 2-D kernel runs it: input, weight and output shapes (1-D gets a unit
 * height) and strides, pads, dilations, group.
 */
export function convGeometry(c: OpCtx, yShape: number[]): { xShape: number[]; wShape: number[]; yShape: number[]; params: ConvParams } {
  const win = convWindow(c);
  const r = win.kernel.length;
  if (r > 2) c.unsupported(`${r}-D convolution is not supported (1-D and 2-D are)`);
  const one = r === 1;
  const x = c.in(0).shape;
  const w = c.in(1).shape;
  return {
    xShape: one ? [x[0], x[1], 1, x[2]] : x,
    wShape: one ? [w[0], w[1], 1, w[2]] : w,
    yShape: one ? [yShape[0], yShape[1], 1, yShape[2]] : yShape,
    params: {
      strides: one ? [1, win.strides[0]] : [win.strides[0], win.strides[1]],
      pads: one ? [0, win.pads[0], 0, win.pads[1]] : [win.pads[0], win.pads[1], win.pads[2], win.pads[3]],
      dilations: one ? [1, win.dilations[0]] : [win.dilations[0], win.dilations[1]],
      group: c.int('group', 1),
    },
  };
}

export const view = (t: GpuTensor, shape: number[]): GpuTensor => ({ buffer: t.buffer, shape });

/** The activation the planner fused into this Conv (stored on the node as internal attributes). */
function fusedActivation(c: OpCtx): ConvActivation {
  const kind = c.string('__activation', 'none') as ConvActivation['kind'];
  return { kind, min: c.float('__min', -Infinity), max: c.float('__max', Infinity) };
}

/** Window and output shape of a MaxPool/AveragePool node. */
export function poolGeometry(c: OpCtx) {
  const win = windowOf(c, c.ints('kernel_shape') ?? c.fail('kernel_shape is required'));
  const shape = poolOutputShape(c.in(0).shape, win.kernel, win.strides, win.pads, win.dilations, c.int('ceil_mode', 0) === 1);
  return { win, shape, countIncludePad: c.int('count_include_pad', 0) === 1 };
}

function poolDef(kind: 'max' | 'avg'): OpDef {
  const plan = (c: OpCtx) => {
    const win = windowOf(c, c.ints('kernel_shape') ?? c.fail('kernel_shape is required'));
    const shape = poolOutputShape(c.in(0).shape, win.kernel, win.strides, win.pads, win.dilations, c.int('ceil_mode', 0) === 1);
    return { win, shape };
  };
  return {
    infer: (c) => {
      if (c.node.outputs.length > 1 && c.node.outputs[1]) c.unsupported('the Indices output is not supported');
      return [{ shape: plan(c).shape, dtype: c.in(0).dtype }];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const { win } = plan(c);
      l.emit(pool(l.gpu, kind, l.input(0), l.output(0), { ...win, countIncludePad: c.int('count_include_pad', 0) === 1 }));
    },
  };
}

function globalPoolDef(kind: 'max' | 'avg'): OpDef {
  return {
    infer: (c) => {
      const x = c.in(0).shape;
      return [{ shape: [x[0], x[1], ...x.slice(2).map(() => 1)], dtype: c.in(0).dtype }];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      l.emit(globalPool(l.gpu, kind, l.input(0), l.output(0)));
    },
  };
}

/** MatMul with numpy semantics: 1-D operands get a unit dimension that is removed afterwards. */
function matmulShapes(c: OpCtx) {
  const a = c.in(0).shape;
  const b = c.in(1).shape;
  if (!a.length || !b.length) c.fail('scalar operands are not allowed');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const K = a2[a2.length - 1];
  if (b2[b2.length - 2] !== K) c.fail(`inner dimensions differ: [${a}] × [${b}]`);
  let batch: number[];
  try {
    batch = broadcastShape(a2.slice(0, -2), b2.slice(0, -2));
  } catch (e) {
    return c.fail((e as Error).message);
  }
  const M = a2[a2.length - 2];
  const N = b2[b2.length - 1];
  const out = [...batch, ...(a.length === 1 ? [] : [M]), ...(b.length === 1 ? [] : [N])];
  return { a2, b2, y2: [...batch, M, N], out };
}

/**
 * A Gemm whose constant B is larger than one storage binding (AlexNet's and VGG's first classifier
 * layers: 150-400 MB against lavapipe's 128 MiB): B is uploaded in column blocks of N, each block
 * multiplied into its own [M, n] tensor with its part of C, and the blocks concatenated along N.
 */
function splitGemm(c: OpCtx, l: LowerCtx, p: GemmParams): void {
  if (!c.in(1).values) c.constInput(1, 'Gemm B larger than one GPU storage binding'); // fails with the reason
  // B's values only when a block is not cached yet (a plan of this session made them before)
  let bValues: Float64Array | undefined;
  const B = () => (bValues ??= c.in(1).values!());
  const [r, k] = c.in(1).shape;
  const [K, N] = p.transB ? [k, r] : [r, k];
  const cols = Math.max(1, Math.floor(l.gpu.limits.maxStorageBufferBindingSize / (4 * K)));
  const y = l.output(0);
  const M = y.shape[0];
  const cv = c.inputs[2] ? c.constInput(2, 'Gemm C of a split Gemm') : undefined;
  const cShape = c.inputs[2]?.shape ?? [];
  if (cv && !(cShape.length <= 1 || cShape[0] === 1)) c.unsupported(`C [${cShape}] varies along M; a Gemm this large supports a C broadcast along M only`);
  const parts: GpuTensor[] = [];
  const key = c.node.name || c.node.outputs[0];
  for (let n0 = 0; n0 < N; n0 += cols) {
    const n = Math.min(cols, N - n0);
    // the block as op(B)'s columns n0 … n0+n−1, stored [n, K] (transB) or [K, n]
    const block = () => {
      const bv = B();
      const blk = new Float32Array(K * n);
      for (let j = 0; j < n; j++) for (let i = 0; i < K; i++) blk[p.transB ? j * K + i : i * n + j] = p.transB ? bv[(n0 + j) * K + i] : bv[i * N + n0 + j];
      return blk;
    };
    const bt = l.constant(`${key}.B[${n0}:${n0 + n}]`, p.transB ? [n, K] : [K, n], block);
    const ct = cv ? l.constant(`${key}.C[${n0}:${n0 + n}]`, [n], cv.length === 1 ? new Float32Array(n).fill(cv[0]) : Float32Array.from(cv.subarray(n0, n0 + n))) : null;
    const part = l.temp(`${key}.y[${n0}:${n0 + n}]`, [M, n]);
    l.emit(gemm(l.gpu, l.input(0), bt, ct, part, p));
    parts.push(part);
  }
  l.emit(...concat(l.gpu, parts, y, 1));
}

export const nnOps: Record<string, OpDef> = {
  Conv: {
    infer: (c) => {
      const x = c.in(0).shape;
      const w = c.in(1).shape;
      const group = c.int('group', 1);
      if (w.length !== x.length) c.fail(`weight rank ${w.length} differs from input rank ${x.length}`);
      if (x[1] !== w[1] * group) c.fail(`input has ${x[1]} channels but the weight expects ${w[1]}×${group} groups`);
      const win = convWindow(c);
      const spatial = poolOutputShape(x.slice(2), win.kernel, win.strides, win.pads, win.dilations, false);
      return [{ shape: [x[0], w[0], ...spatial], dtype: c.in(0).dtype }];
    },
    gpu: (c, l, outs) => {
      c.requireFloat(0);
      const g = convGeometry(c, outs[0].shape);
      const x = l.input(0);
      const w = l.input(1);
      l.emit(conv2d(l.gpu, view(x, g.xShape), view(w, g.wShape), c.inputs[2] ? l.input(2) : null, view(l.output(0), g.yShape), { ...g.params, activation: fusedActivation(c) }));
    },
  },
  Gemm: {
    infer: (c) => {
      const a = c.in(0).shape;
      const b = c.in(1).shape;
      if (a.length !== 2 || b.length !== 2) c.fail(`A [${a}] and B [${b}] must be matrices`);
      const [M, Ka] = c.int('transA', 0) ? [a[1], a[0]] : a;
      const [Kb, N] = c.int('transB', 0) ? [b[1], b[0]] : b;
      if (Ka !== Kb) c.fail(`inner dimensions differ: A gives ${Ka}, B gives ${Kb}`);
      return [{ shape: [M, N], dtype: c.in(0).dtype }];
    },
    gpu: (c, l) => {
      c.requireFloat(0);
      const p = { transA: c.int('transA', 0) === 1, transB: c.int('transB', 0) === 1, alpha: c.float('alpha', 1), beta: c.float('beta', 1) };
      const b = c.in(1);
      if (4 * size(b.shape) > l.gpu.limits.maxStorageBufferBindingSize) return splitGemm(c, l, p);
      l.emit(gemm(l.gpu, l.input(0), l.input(1), c.inputs[2] ? l.input(2) : null, l.output(0), p));
    },
  },
  MatMul: {
    infer: (c) => [{ shape: matmulShapes(c).out, dtype: c.in(0).dtype }],
    gpu: (c, l) => {
      c.requireFloat(0);
      c.requireFloat(1);
      const s = matmulShapes(c);
      l.emit(matmul(l.gpu, view(l.input(0), s.a2), view(l.input(1), s.b2), view(l.output(0), s.y2)));
    },
  },
  MaxPool: poolDef('max'),
  AveragePool: poolDef('avg'),
  GlobalAveragePool: globalPoolDef('avg'),
  GlobalMaxPool: globalPoolDef('max'),
  Softmax: {
    infer: (c) => [{ shape: [...c.in(0).shape], dtype: c.in(0).dtype }],
    gpu: (c, l) => {
      c.requireFloat(0);
      const x = c.in(0).shape;
      const a = normAxis(c, c.int('axis', c.opset < 13 ? 1 : -1), x.length);
      const [outer, len, inner] = c.opset < 13 ? [size(x.slice(0, a)), size(x.slice(a)), 1] : [size(x.slice(0, a)), x[a], size(x.slice(a + 1))];
      l.emit(softmax(l.gpu, l.input(0), l.output(0), outer, len, inner));
    },
  },
  Dropout: {
    // Inference: output = input, mask all true (bool from Dropout-10, the input's type before),
    // known at plan time whatever the input.
    infer: (c) => {
      // training_mode drops at random, except with ratio 0 (the default ratio is 0.5)
      const training = c.opset >= 12 && !!c.constInput(2, 'Dropout training_mode')?.[0];
      if (training && (c.constInput(1, 'Dropout ratio')?.[0] ?? 0.5) !== 0) c.unsupported('training_mode=true (random dropout) is not supported; the engine runs inference');
      const x = c.in(0);
      const n = size(x.shape);
      const mask = { shape: [...x.shape], dtype: c.opset >= 10 ? DT.BOOL : x.dtype, values: () => new Float64Array(n).fill(1) };
      return c.node.outputs[1] ? [{ shape: [...x.shape], dtype: x.dtype }, mask] : [{ shape: [...x.shape], dtype: x.dtype }];
    },
    fold: (c, outs) => [c.in(0).values!(), ...outs.slice(1).map((o) => o.values!())],
    gpu: () => 'alias',
  },
};
