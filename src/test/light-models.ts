// The ONNX zoo's "light" models hold every float weight as ConstantOfShape(0.02), which makes every
// class score equal whatever the input: the zoo test (src/engine/zoo.test.ts) and the zoo bench
// (bench/zoo.ts) run them with seeded random weights instead.
import { DT, tensorValues } from '../onnx/dtype';
import type { Model } from '../graph/ir';
import { randArray, rng } from './random';

/**
 * Replaces each ConstantOfShape weight by a seeded random initializer of its shape: He-uniform
 * Conv/Gemm weights, small biases and BatchNormalization shifts, BatchNormalization scale in
 * [0.5, 0.75] over variance in [1.5, 2.25] (each BN shrinks by about 0.45: with scale and variance
 * both in [0.5, 1.5], ResNet-50's 16 residual sums grow its logits to 1e5 and Softmax to one-hot).
 * The Softmax inputs become graph outputs too, so the logits are compared before Softmax flattens
 * them. Returns how many weights were replaced.
 */
export function randomizeLightModel(model: Model, seed: number): number {
  const g = model.graph;
  const r = rng(seed);
  const uses = new Map<string, { op: string; slot: number; transB: boolean }>();
  for (const n of g.nodes) n.inputs.forEach((x, slot) => uses.set(x, { op: n.opType, slot, transB: n.attrs.transB?.value === 1 }));
  let replaced = 0;
  g.nodes = g.nodes.filter((n) => {
    const shape = n.opType === 'ConstantOfShape' ? g.initializers.get(n.inputs[0]) : undefined;
    if (!shape) return true;
    const dims = Array.from(tensorValues(shape));
    const use = uses.get(n.outputs[0]);
    const fanIn = use?.op === 'Gemm' && !use.transB ? dims[0] : dims.slice(1).reduce((a, b) => a * b, 1);
    const [lo, hi] =
      use?.op === 'BatchNormalization' ? (use.slot === 1 ? [0.5, 0.75] : use.slot === 4 ? [1.5, 2.25] : [-0.2, 0.2])
      : use?.slot === 1 ? [-Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn)]
      : [-0.1, 0.1];
    const name = n.outputs[0];
    g.initializers.delete(shape.name);
    const values = randArray(dims.reduce((a, b) => a * b, 1), r, lo, hi);
    g.initializers.set(name, { name, dataType: DT.FLOAT, dims, raw: new Uint8Array(values.buffer) }); // little-endian hosts
    // IR version 3 lists every initializer among the graph inputs.
    g.inputs = g.inputs.map((v) => (v.name === shape.name ? { name, dataType: DT.FLOAT, shape: dims } : v));
    replaced++;
    return false;
  });
  for (const n of g.nodes.filter((n) => n.opType === 'Softmax')) g.outputs.push({ name: n.inputs[0], dataType: DT.FLOAT });
  return replaced;
}
