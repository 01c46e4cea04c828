// A float64 evaluation of a QDQ model, the arbiter of the zoo bench's noise floor (bench/zoo.ts --exact):
// DequantizeLinear gives its float32 values (the file's numbers exactly), then every sum is taken in
// float64, so a QuantizeLinear rounds the exact result of the float32 tensors it reads, not one
// accumulation order's. Against it the studio and onnxruntime's two paths (integer QLinearConv with
// the fusion on, float Conv with it off) can be told apart on a flipped tie: which of them lands on
// the exact side. Bench only: one image at a time, plain loops, the ops of the zoo's CNN exports.
import type { Graph, Node } from '../../src/graph/ir';
import { tensorValues } from '../../src/onnx/dtype';
import { poolOutputShape, poolRef, globalPoolRef, resolveAutoPad } from '../../src/ref/pool';
import { binaryRef } from '../../src/ref/binary';
import { roundHalfEven } from '../../src/ref/round';

interface T { data: Float64Array; shape: number[] }

const ranges: Record<number, [number, number]> = { 2: [0, 255], 3: [-128, 127], 6: [-2147483648, 2147483647], 21: [0, 15], 22: [-8, 7] };
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function attrInts(n: Node, k: string): number[] | undefined {
  const a = n.attrs[k];
  return a?.type === 'ints' ? a.value : undefined;
}
function attrInt(n: Node, k: string, d: number): number {
  const a = n.attrs[k];
  return a?.type === 'int' ? a.value : d;
}
function attrFloat(n: Node, k: string, d: number): number {
  const a = n.attrs[k];
  return a?.type === 'float' ? a.value : d;
}

/** Per-axis (or per-tensor) parameter of element i. */
function perAxis(shape: number[], axis: number, p: Float64Array): (i: number) => number {
  if (p.length === 1) return () => p[0];
  const ax = axis < 0 ? axis + shape.length : axis;
  const inner = size(shape.slice(ax + 1));
  return (i) => p[Math.floor(i / inner) % shape[ax]];
}

/** y = conv(x, w) + b in float64, one image (x [1,C,H,W]); the inner loop runs along a row of the output. */
function conv(x: T, w: T, b: T | undefined, n: Node): T {
  const [N, C, H, W] = x.shape;
  const [M, Cg, kH, kW] = w.shape;
  const group = attrInt(n, 'group', 1);
  const [sH, sW] = attrInts(n, 'strides') ?? [1, 1];
  const [dH, dW] = attrInts(n, 'dilations') ?? [1, 1];
  if (n.attrs.auto_pad?.type === 'string' && n.attrs.auto_pad.value !== 'NOTSET') throw new Error(`exact: Conv ${n.name} auto_pad`);
  const [pT, pL, pB, pR] = attrInts(n, 'pads') ?? [0, 0, 0, 0];
  const oH = Math.floor((H + pT + pB - dH * (kH - 1) - 1) / sH) + 1;
  const oW = Math.floor((W + pL + pR - dW * (kW - 1) - 1) / sW) + 1;
  const Mg = M / group;
  const y = new Float64Array(N * M * oH * oW);
  const xd = x.data;
  for (let img = 0; img < N; img++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      const yo = (img * M + m) * oH * oW;
      if (b) y.fill(b.data[m], yo, yo + oH * oW);
      for (let c = 0; c < Cg; c++) {
        const xo = (img * C + g * Cg + c) * H * W;
        for (let kh = 0; kh < kH; kh++) {
          for (let kw = 0; kw < kW; kw++) {
            const wv = w.data[((m * Cg + c) * kH + kh) * kW + kw];
            if (wv === 0) continue;
            // the output columns whose input column is inside the image: no test in the inner loop
            const off = kw * dW - pL;
            const owLo = Math.max(0, Math.ceil(-off / sW));
            const owHi = Math.min(oW - 1, Math.floor((W - 1 - off) / sW));
            for (let oh = 0; oh < oH; oh++) {
              const ih = oh * sH - pT + kh * dH;
              if (ih < 0 || ih >= H) continue;
              const row = xo + ih * W + off;
              const yr = yo + oh * oW;
              if (sW === 1) for (let ow = owLo; ow <= owHi; ow++) y[yr + ow] += wv * xd[row + ow];
              else for (let ow = owLo; ow <= owHi; ow++) y[yr + ow] += wv * xd[row + ow * sW];
            }
          }
        }
      }
    }
  }
  return { data: y, shape: [N, M, oH, oW] };
}

function gemm(a: T, bT: T, c: T | undefined, n: Node): T {
  const tA = attrInt(n, 'transA', 0), tB = attrInt(n, 'transB', 0);
  const alpha = attrFloat(n, 'alpha', 1), beta = attrFloat(n, 'beta', 1);
  const [M, K] = tA ? [a.shape[1], a.shape[0]] : a.shape;
  const N = tB ? bT.shape[0] : bT.shape[1];
  const y = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a.data[k * M + i] : a.data[i * K + k]) * (tB ? bT.data[j * K + k] : bT.data[k * N + j]);
      const cv = c ? (c.data.length === 1 ? c.data[0] : c.data.length === N ? c.data[j] : c.data[i * N + j]) : 0;
      y[i * N + j] = alpha * s + beta * cv;
    }
  }
  return { data: y, shape: [M, N] };
}

function run(n: Node, ins: (T | undefined)[]): T[] {
  const x = ins[0]!;
  switch (n.opType) {
    case 'DequantizeLinear': {
      const axis = attrInt(n, 'axis', 1);
      const s = perAxis(x.shape, axis, ins[1]!.data);
      const z = ins[2] ? perAxis(x.shape, axis, ins[2].data) : () => 0;
      // DequantizeLinear's output is float32: the file's values, rounded as the spec says
      return [{ data: Float64Array.from(x.data, (v, i) => Math.fround((v - z(i)) * s(i))), shape: x.shape }];
    }
    case 'QuantizeLinear': {
      const axis = attrInt(n, 'axis', 1);
      const s = perAxis(x.shape, axis, ins[1]!.data);
      const z = ins[2] ? perAxis(x.shape, axis, ins[2].data) : () => 0;
      const dt = n.attrs.output_dtype?.type === 'int' ? n.attrs.output_dtype.value : 0;
      const zt = dt || zeroPointType.get(n.inputs[2]) || 2;
      const [lo, hi] = ranges[zt] ?? [0, 255];
      return [{ data: Float64Array.from(x.data, (v, i) => Math.min(Math.max(roundHalfEven(v / s(i)) + z(i), lo), hi)), shape: x.shape }];
    }
    case 'Clip': {
      const lo = ins[1] ? ins[1].data[0] : -Infinity, hi = ins[2] ? ins[2].data[0] : Infinity;
      return [{ data: x.data.map((v) => Math.min(Math.max(v, lo), hi)), shape: x.shape }];
    }
    case 'Relu': return [{ data: x.data.map((v) => (v > 0 ? v : 0)), shape: x.shape }];
    case 'Identity': case 'Dropout': return [x];
    case 'Conv': return [conv(x, ins[1]!, ins[2], n)];
    case 'Gemm': return [gemm(x, ins[1]!, ins[2], n)];
    case 'Add': case 'Sum': {
      let acc = x;
      for (const t of ins.slice(1)) acc = binaryRef('Add', acc.data, acc.shape, t!.data, t!.shape) as T;
      return [acc];
    }
    case 'MaxPool': case 'AveragePool': {
      const kernel = attrInts(n, 'kernel_shape')!;
      const r = kernel.length;
      const strides = attrInts(n, 'strides') ?? kernel.map(() => 1);
      const dilations = attrInts(n, 'dilations') ?? kernel.map(() => 1);
      const autoPad = n.attrs.auto_pad?.type === 'string' ? n.attrs.auto_pad.value : 'NOTSET';
      const ceil = attrInt(n, 'ceil_mode', 0) === 1;
      const pads = autoPad === 'NOTSET' || autoPad === '' ? attrInts(n, 'pads') ?? new Array(2 * r).fill(0) : resolveAutoPad(autoPad, x.shape.slice(2), kernel, strides, dilations);
      const p = { kernel, strides, dilations, pads, countIncludePad: attrInt(n, 'count_include_pad', 0) === 1 };
      const outShape = poolOutputShape(x.shape, kernel, strides, pads, dilations, ceil);
      return [{ data: poolRef(n.opType === 'MaxPool' ? 'max' : 'avg', x.data, x.shape, p, outShape), shape: outShape }];
    }
    case 'GlobalAveragePool': return [{ data: globalPoolRef('avg', x.data, x.shape), shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
    case 'Shape': return [{ data: Float64Array.from(x.shape), shape: [x.shape.length] }];
    case 'Flatten': {
      const ax = attrInt(n, 'axis', 1);
      return [{ data: x.data, shape: [size(x.shape.slice(0, ax)), size(x.shape.slice(ax))] }];
    }
    case 'Reshape': {
      const want = Array.from(ins[1]!.data);
      const shape = want.map((d, i) => (d === 0 ? x.shape[i] : d));
      const k = shape.indexOf(-1);
      if (k >= 0) shape[k] = x.data.length / size(shape.filter((d) => d !== -1));
      return [{ data: x.data, shape }];
    }
    case 'Softmax': {
      const ax = attrInt(n, 'axis', -1);
      const a = ax < 0 ? ax + x.shape.length : ax;
      if (a !== x.shape.length - 1) throw new Error(`exact: Softmax ${n.name} over axis ${ax}`);
      const L = x.shape[a];
      const y = new Float64Array(x.data.length);
      for (let r = 0; r < x.data.length / L; r++) {
        let mx = -Infinity;
        for (let j = 0; j < L; j++) mx = Math.max(mx, x.data[r * L + j]);
        let s = 0;
        for (let j = 0; j < L; j++) s += (y[r * L + j] = Math.exp(x.data[r * L + j] - mx));
        for (let j = 0; j < L; j++) y[r * L + j] /= s;
      }
      return [{ data: y, shape: x.shape }];
    }
    default: throw new Error(`exact: no float64 ${n.opType} (node ${n.name || n.outputs[0]})`);
  }
}

/** Element type of each zero-point initializer (QuantizeLinear's output type follows it). */
let zeroPointType = new Map<string, number>();

/** The initializers' values of the last graph run. */
let constantsOf: { graph: Graph; values: Map<string, T> } | null = null;

/** The model's outputs for one image (input [1, …]) in float64. */
export function exactRun(g: Graph, input: string, feed: { data: ArrayLike<number>; shape: number[] }): Record<string, T> {
  zeroPointType = new Map([...g.initializers].map(([k, t]) => [k, t.dataType]));
  if (constantsOf?.graph !== g) constantsOf = { graph: g, values: new Map([...g.initializers].map(([k, t]) => [k, { data: tensorValues(t), shape: t.dims }])) };
  const env = new Map<string, T>(constantsOf.values);
  env.set(input, { data: Float64Array.from(feed.data), shape: feed.shape });
  const readers = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => (i ? env.get(i) : undefined));
    ins.forEach((t, k) => {
      if (n.inputs[k] && !t) throw new Error(`exact: ${n.opType} ${n.name}: input ${n.inputs[k]} not computed`);
    });
    if (n.outputs.every((o) => constantsOf!.values.has(o))) {
      for (const o of n.outputs) env.set(o, constantsOf!.values.get(o)!);
      continue;
    }
    const outs = run(n, ins);
    outs.forEach((t, k) => n.outputs[k] && env.set(n.outputs[k], t));
    // a node of constants only (the weights' DequantizeLinear) is computed once per graph
    if (n.inputs.every((i) => !i || constantsOf!.values.has(i))) outs.forEach((t, k) => n.outputs[k] && constantsOf!.values.set(n.outputs[k], t));
    // activations are freed after their last reader (initializers stay)
    for (const i of n.inputs) {
      if (!i || g.initializers.has(i) || outputs.has(i)) continue;
      const left = readers.get(i)! - 1;
      readers.set(i, left);
      if (left === 0) env.delete(i);
    }
  }
  return Object.fromEntries(g.outputs.map((o) => [o.name, env.get(o.name)!]));
}
