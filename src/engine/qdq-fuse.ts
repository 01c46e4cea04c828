// QuantizeLinear → (Clip on the codes) → DequantizeLinear on data, planned as one FakeQuant dispatch
// (shaders/fake-quant.wgsl: the same float32 arithmetic, exact at rounding ties): per tensor or per
// axis, constant parameters equal on both sides; the Clip narrows [qmin, qmax]. Other chains run as they are.
import type { Graph, Node } from '../graph/ir';
import { DT } from '../onnx/dtype';
import { INT_RANGES, isCarriedInt, layoutOf } from './ops/qdq';
import { normAxis, OpCtx } from './ops/op';
import type { GpuNode } from './plan';

/** Replaces fusible Q → [Clip] → DQ chains in `nodes` (in place) by FakeQuant nodes. */
export function fuseQdq(nodes: GpuNode[], g: Graph, keep: string[]): void {
  const pinned = new Set([...g.outputs.map((o) => o.name), ...keep]);
  const readers = new Map<string, GpuNode[]>();
  for (const n of nodes) for (const i of n.node.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const only = (t: string): GpuNode | undefined => {
    const r = readers.get(t);
    return !pinned.has(t) && r?.length === 1 && r[0].node.inputs.filter((i) => i === t).length === 1 ? r[0] : undefined;
  };
  for (const q of [...nodes]) {
    if (q.node.opType !== 'QuantizeLinear' || q.node.domain !== '' || q.ctx.in(0).dtype !== DT.FLOAT || !isCarriedInt(q.outs[0].dtype)) continue; // float8/float4 codes: not fused
    let next = only(q.node.outputs[0]);
    let [lo, hi] = INT_RANGES[q.outs[0].dtype];
    let clip: GpuNode | undefined;
    if (next?.node.opType === 'Clip' && next.node.inputs[0] === q.node.outputs[0]) {
      const b = clipBounds(next);
      if (!b) continue;
      [lo, hi] = [Math.max(lo, Math.ceil(b[0])), Math.min(hi, Math.floor(b[1]))];
      clip = next;
      next = only(next.node.outputs[0]);
    }
    const dq = next;
    if (!dq || dq.node.opType !== 'DequantizeLinear' || dq.node.inputs[0] !== (clip ?? q).node.outputs[0] || dq.outs[0].dtype !== DT.FLOAT || lo > hi) continue;
    const p = params(q.ctx);
    const pd = params(dq.ctx);
    if (!p || !pd || p.axis !== pd.axis || p.scales.join() !== pd.scales.join() || p.zeroPoints.join() !== pd.zeroPoints.join()) continue;
    const node: Node = {
      name: q.node.name,
      opType: 'FakeQuant',
      domain: 'qs',
      inputs: [q.node.inputs[0]],
      outputs: [dq.node.outputs[0]],
      attrs: {
        scales: { type: 'floats', value: p.scales },
        zero_points: { type: 'ints', value: p.zeroPoints },
        qmin: { type: 'int', value: lo },
        qmax: { type: 'int', value: hi },
        axis: { type: 'int', value: p.axis },
      },
    };
    const at = nodes.indexOf(q);
    nodes[at] = { node, ctx: new OpCtx(node, q.ctx.opset, [q.ctx.inputs[0]]), outs: dq.outs };
    for (const gone of [clip, dq]) if (gone) nodes.splice(nodes.indexOf(gone), 1);
  }
}

/** Constant per-tensor or per-axis parameters of a Q or DQ node (float32 scales), or undefined. */
function params(c: OpCtx): { scales: number[]; zeroPoints: number[]; axis: number } | undefined {
  const s = c.inputs[1];
  const z = c.inputs[2];
  if (!s?.values || (z && !z.values)) return undefined;
  let layout;
  try {
    layout = layoutOf(c);
  } catch {
    return undefined;
  }
  if (layout.mode === 'blocked') return undefined;
  const scales = Array.from(s.values(), Math.fround);
  if (!scales.every((v) => v > 0 && Number.isFinite(v))) return undefined;
  const zeroPoints = z ? Array.from(z.values!()) : scales.map(() => 0);
  const axis = layout.mode === 'axis' ? normAxis(c, c.int('axis', 1), c.in(0).shape.length) : 0;
  return { scales, zeroPoints, axis };
}

/** Clip's constant [min, max] (attributes before opset 11, inputs after), or undefined when data. */
function clipBounds(n: GpuNode): [number, number] | undefined {
  const c = n.ctx;
  if (c.opset < 11) return [c.float('min', -Infinity), c.float('max', Infinity)];
  const lo = c.inputs[1];
  const hi = c.inputs[2];
  if ((lo && !lo.values) || (hi && !hi.values)) return undefined;
  return [lo ? lo.values!()[0] : -Infinity, hi ? hi.values!()[0] : Infinity];
}
