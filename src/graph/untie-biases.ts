// Each weighted node (Conv, ConvTranspose, Gemm) gets a bias initializer of its own: exporters
// merge equal tensors (torch.onnx.export shares MobileNetV3's equal squeeze-excitation biases),
// but a quantized bias lives on its own layer's grid s_x·s_w, so two layers cannot share one.
import type { Graph } from './ir';

const WITH_BIAS = new Set(['Conv', 'ConvTranspose', 'Gemm']);

/** Copies a bias initializer read by more than one node input for each weighted node that reads it (in place). */
export function untieBiases(g: Graph): void {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const names = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name), ...g.outputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const s of [...n.inputs, ...n.outputs]) names.add(s);
  for (const n of g.nodes) {
    const b = n.inputs[2];
    const t = b ? g.initializers.get(b) : undefined;
    if (!WITH_BIAS.has(n.opType) || (n.domain !== '' && n.domain !== 'ai.onnx') || !t || (uses.get(b) ?? 0) < 2) continue;
    let name = `${b}__${n.name || n.outputs[0]}`;
    for (let k = 1; names.has(name); k++) name = `${b}__${k}`;
    names.add(name);
    g.initializers.set(name, { ...t, name });
    n.inputs = n.inputs.map((x, k) => (k === 2 ? name : x));
  }
}
